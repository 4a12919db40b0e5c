// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/labels.go
// (enforceSchedulingLabelPresence, enforceSchedulingLabelAbsence) and namespaceoffloading_controller.go (which of the two
// a pod offloading strategy asks for): the `liqo.io/scheduling-enabled` label of a home namespace, whose value "true" the
// pod webhook's namespaceSelector matches (deployments/liqo/templates/webhooks/liqo-mutating-webhook.yaml).
import { type PodStrategy, SCHEDULING_ENABLED_VALUE } from '../model/liqo.ts'

/** Whether Liqo's controller wants the label on the namespace: LocalAndRemote and Remote, not Local. */
export const schedulingEnabled = (strategy: PodStrategy): boolean => strategy !== 'Local'

/**
 * The label's value once Liqo's controller has reconciled the namespace, given the value written
 * (`undefined`: none): "true" whatever was there when it wants the label; without, a "true"
 * removed and any other value left as it is.
 */
export function schedulingLabelAfter(strategy: PodStrategy, written: string | undefined): string | undefined {
  if (schedulingEnabled(strategy)) return SCHEDULING_ENABLED_VALUE
  return written === SCHEDULING_ENABLED_VALUE ? undefined : written
}
