/**
 * The limits of what one input file may hold, so that a run stays bounded in time and memory
 * whatever a repository holds. No repository needs more: Kubernetes refuses an object over
 * 1.5 MiB (etcd's request limit) and a request over 3 MiB, and Helm refuses a chart file over
 * 5 MiB (`MaxDecompressedFileSize`). Stated in docs/inputs.md; a file beyond a limit is one
 * error naming it, and nothing of it is read.
 */

/** The most bytes one input file may hold (policies, inventory, workloads, `.nsoffloadignore`). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024

/** The most YAML documents one input file may hold. */
export const MAX_DOCUMENTS = 10_000
