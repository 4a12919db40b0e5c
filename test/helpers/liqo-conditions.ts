/**
 * Liqo's condition texts, restated from Liqo's source (liqotech/liqo@v1.2.0
 * apis/offloading/v1beta1/namespaceoffloading_types.go and the NamespaceOffloading
 * controller's status.go) rather than imported from src/: the tests check src/ against them.
 */
export const REQUIRED_FALSE = {
  type: 'OffloadingRequired',
  status: 'False',
  reason: 'ClusterNotSelected',
  message: 'The remote cluster has not been selected through the ClusterSelector field',
}
export const REQUIRED_TRUE = {
  type: 'OffloadingRequired',
  status: 'True',
  reason: 'ClusterSelected',
  message: 'The remote cluster has been selected through the ClusterSelector field',
}
export const READY_TRUE = { type: 'Ready', status: 'True', reason: 'NamespaceCreated', message: 'Namespace correctly offloaded to the remote cluster' }
export const TERMINATING = { type: 'Ready', status: 'False', reason: 'Terminating', message: 'The remote namespace is being deleted' }
export const CREATING = { type: 'Ready', status: 'False', reason: 'Creating', message: 'The remote namespace is being created' }
