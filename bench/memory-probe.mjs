import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

// Preloaded into the worker the memory section measures (`node --import ./bench/memory-probe.mjs`):
// on SIGUSR2 it prints one line of the main thread's V8 heap and Node's external memory, so the
// bench can tell the JavaScript heap from what the Rust core, the workflow thread and the C
// allocator hold. Plain JavaScript: the SDK's workflow thread inherits the preload without tsx.
// Bench only: the production worker never loads it.
if (isMainThread) {
  process.on('SIGUSR2', () => {
    const usage = process.memoryUsage();
    process.stdout.write(
      `memory-probe ${JSON.stringify({
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        mallocedMemory: v8.getHeapStatistics().malloced_memory,
      })}\n`,
    );
  });
}
