// Preloaded by the benchmarks (`node --import bench/rusage.mjs …`): at exit, writes the
// process's CPU time and peak resident memory to the file named by NSOFFLOAD_BENCH_RUSAGE.
import { writeFileSync } from 'node:fs'

const file = process.env.NSOFFLOAD_BENCH_RUSAGE
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage()
    writeFileSync(file, JSON.stringify({ maxRSSKiB: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000 }))
  })
}
