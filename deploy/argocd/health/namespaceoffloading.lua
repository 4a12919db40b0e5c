-- Argo CD health check for Liqo's NamespaceOffloading (offloading.liqo.io/v1beta1).
--
-- It follows liqoctl's offloading waiter (pkg/liqoctl/wait/wait.go, ForOffloading):
--   no status yet, or status.observedGeneration behind metadata.generation -> Progressing
--   Ready                                                                  -> Healthy
--   NoClusterSelected                         -> Healthy (liqoctl only warns: no cluster selected)
--   SomeFailed, AllFailed                                                  -> Degraded
--   InProgress, Terminating (and a phase not known yet)                    -> Progressing
--
-- Argo CD runs scripts from argocd-cm with Lua 5.1 semantics and only the base and table
-- libraries (no string library, no string methods): this script uses nothing else.
-- Install: deploy/argocd/argocd-cm.yaml (key resource.customizations.health.offloading.liqo.io_NamespaceOffloading).
-- Tested by test/deploy/argocd-health.test.ts against namespaceoffloading_test.yaml in lua5.1.

local hs = {}

local function sortedKeys(t)
  local keys = {}
  for k, _ in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

-- The remote clusters selected for this namespace, split by their Ready condition:
-- ready = {"naples"}, pending = {"florence CreationLoopBackOff"}.
local function clusters(status)
  local ready, pending = {}, {}
  local byCluster = status.remoteNamespacesConditions
  if type(byCluster) ~= "table" then
    return ready, pending
  end
  for _, cluster in ipairs(sortedKeys(byCluster)) do
    local required, readyCond = nil, nil
    local conds = byCluster[cluster]
    if type(conds) == "table" then
      for _, c in ipairs(conds) do
        if c.type == "OffloadingRequired" then required = c end
        if c.type == "Ready" then readyCond = c end
      end
    end
    if required ~= nil and required.status == "True" then
      if readyCond ~= nil and readyCond.status == "True" then
        ready[#ready + 1] = tostring(cluster)
      else
        local reason = "Creating"
        if readyCond ~= nil and readyCond.reason ~= nil then reason = tostring(readyCond.reason) end
        pending[#pending + 1] = tostring(cluster) .. " " .. reason
      end
    end
  end
  return ready, pending
end

local status = obj.status
if type(status) ~= "table" then
  hs.status = "Progressing"
  hs.message = "Waiting for Liqo to report the offloading status"
  return hs
end

local generation = nil
if type(obj.metadata) == "table" then generation = obj.metadata.generation end
if status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Liqo to observe this NamespaceOffloading"
  return hs
end
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for Liqo to observe generation " .. tostring(generation) .. " (observed " .. tostring(status.observedGeneration) .. ")"
  return hs
end

local phase = status.offloadingPhase
local remoteName = ""
if status.remoteNamespaceName ~= nil then remoteName = tostring(status.remoteNamespaceName) end
local ready, pending = clusters(status)

if phase == "Ready" then
  hs.status = "Healthy"
  hs.message = "Offloading completed successfully"
  if #ready > 0 then
    hs.message = hs.message .. ": remote namespace " .. remoteName .. " on " .. table.concat(ready, ", ")
  end
elseif phase == "NoClusterSelected" then
  hs.status = "Healthy"
  hs.message = "Offloading completed, but no cluster was selected"
elseif phase == "SomeFailed" or phase == "AllFailed" then
  hs.status = "Degraded"
  hs.message = "The offloading is in \"" .. phase .. "\" state"
  if #pending > 0 then
    hs.message = hs.message .. ": not ready on " .. table.concat(pending, ", ")
  end
elseif phase == "InProgress" then
  hs.status = "Progressing"
  hs.message = "Offloading in progress"
  if #pending > 0 then
    hs.message = hs.message .. ": waiting for " .. table.concat(pending, ", ")
  end
elseif phase == "Terminating" then
  hs.status = "Progressing"
  hs.message = "Unoffloading: waiting for the remote namespaces to be deleted"
elseif phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for Liqo to report the offloading phase"
else
  hs.status = "Progressing"
  hs.message = "Waiting: unknown offloading phase \"" .. tostring(phase) .. "\""
end
return hs
