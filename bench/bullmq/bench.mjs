// What a Node.js user would get from BullMQ for the work of imgbatch's `bench queue` rows
// (BENCHMARKS.md, "queue overhead"): 2,000 jobs enqueued as 40 batches of 50, one worker at
// concurrency 10, against the same mock OpenAI images API answering at once. Each job does what
// one imgbatch task does: read its own source file, POST it to /v1/images/edits, decode the
// base64 answer and store it as a new file. Throughput is 2,000 / (last completion − first job
// start); claim-to-call is the time from BullMQ moving a job to active to its mock call being sent.
//
// Producer and worker share this one process, as imgbatch's server both accepts batches and runs
// them. Redis state and the images directory are removed at the end. With `none` a job keeps no
// file: the source comes from memory and the answer is decoded and dropped (a queue that only
// calls the service).
//
// Usage: node bench.mjs <memory|disk|none> <mock base URL, e.g. http://127.0.0.1:4567>
//        (REDIS_URL overrides redis://127.0.0.1:6379)

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32, deflateSync } from 'node:zlib';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const BATCHES = 40;
const BATCH_SIZE = 50;
const JOBS = BATCHES * BATCH_SIZE;
const CONCURRENCY = 10;
const TIMEOUT_MS = 120_000;

const [storage, mockUrl] = process.argv.slice(2);
const roots = { memory: '/dev/shm', disk: tmpdir(), none: tmpdir() };
const keepsFiles = storage !== 'none';
if (!(storage in roots) || !mockUrl) {
  console.error('usage: node bench.mjs <memory|disk|none> <mock base URL>');
  process.exit(2);
}
const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
const bullmqVersion = createRequire(import.meta.url)('bullmq/package.json').version;

// The project's test fixture: 24×16 RGB, encoded here so that no image library is needed.
function fixturePng(width = 24, height = 16) {
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0, at = 0; y < height; y++) {
    rows[at++] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      rows[at++] = (x * 7) % 256;
      rows[at++] = (y * 5) % 256;
      rows[at++] = (x + y) % 256;
    }
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(body.length + 8);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), body.length + 4);
    return frame;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fixture = fixturePng();
const dir = await mkdtemp(join(roots[storage], 'imgbatch-bullmq-'));
const queueName = `imgbatch-bench-${Date.now()}-${process.pid}`;
let queue;
let worker;
let failures = 0;
try {
  // One stored file per job, as imgbatch stores every upload on its own; written before timing.
  const png = fixture;
  const batches = [];
  for (let b = 0; b < BATCHES; b++) {
    if (keepsFiles) await mkdir(join(dir, 'originals', String(b)), { recursive: true });
    const jobs = [];
    for (let i = 0; i < BATCH_SIZE; i++) {
      const source = join('originals', String(b), `${i}.png`);
      if (keepsFiles) await writeFile(join(dir, source), png);
      jobs.push({ name: 'edit', data: { batch: b, source, prompt: 'make it brighter' } });
    }
    batches.push(jobs);
  }

  const claimToCallMs = [];
  let firstStart = Infinity;
  let lastEnd = -Infinity;

  worker = new Worker(
    queueName,
    async (job) => {
      firstStart = Math.min(firstStart, performance.now());
      const image = keepsFiles ? await readFile(join(dir, job.data.source)) : fixture;
      const form = new FormData();
      form.set('image', new Blob([image], { type: 'image/png' }), 'img.png');
      form.set('prompt', job.data.prompt);
      form.set('model', 'gpt-image-1');
      // processedOn is the Date.now() BullMQ stamps when it moves the job to active.
      claimToCallMs.push(Date.now() - job.processedOn);
      const response = await fetch(new URL('/v1/images/edits', mockUrl), {
        method: 'POST',
        headers: { authorization: 'Bearer bench' },
        body: form,
      });
      if (!response.ok) {
        throw new Error(`mock answered ${response.status}: ${await response.text()}`);
      }
      const b64 = (await response.json()).data?.[0]?.b64_json;
      if (typeof b64 !== 'string') throw new Error('answer has no data[0].b64_json');
      const bytes = Buffer.from(b64, 'base64');
      if (!keepsFiles) return;
      const result = join(dir, 'results', String(job.data.batch), `${job.id}.png`);
      await mkdir(dirname(result), { recursive: true });
      await writeFile(result, bytes, { flag: 'wx' });
    },
    { connection, concurrency: CONCURRENCY },
  );
  worker.on('error', (err) => console.error('worker error:', err));

  const finished = new Promise((resolve) => {
    let settled = 0;
    const settle = () => {
      lastEnd = performance.now();
      if (++settled === JOBS) resolve();
    };
    worker.on('completed', settle);
    worker.on('failed', (job, err) => {
      failures++;
      if (failures <= 5) console.error(`job ${job?.id} failed: ${err.message}`);
      settle();
    });
  });

  queue = new Queue(queueName, { connection });
  await Promise.all([worker.waitUntilReady(), queue.waitUntilReady()]);
  // Batches arrive one after another, like 40 create requests.
  for (const jobs of batches) await queue.addBulk(jobs);
  const timeout = sleep(TIMEOUT_MS, undefined, { ref: false }).then(() => {
    throw new Error(`not all jobs finished in ${TIMEOUT_MS / 1000} s`);
  });
  await Promise.race([finished, timeout]);

  // Whether Redis writes anything to disk decides how durable BullMQ's state is; say it.
  const client = new Redis(connection);
  const [, save] = await client.config('GET', 'save');
  const [, appendonly] = await client.config('GET', 'appendonly');
  await client.quit();

  const seconds = (lastEnd - firstStart) / 1000;
  claimToCallMs.sort((a, b) => a - b);
  console.log(
    `bullmq ${bullmqVersion}, concurrency ${CONCURRENCY}, ${JOBS} jobs, images in ${storage} (${dir}): ` +
      `**${Math.round(JOBS / seconds)} jobs/s** (${seconds.toFixed(2)} s); ` +
      `claim-to-call p50 ${percentile(claimToCallMs, 50)} ms, p99 ${percentile(claimToCallMs, 99)} ms; ` +
      `failures ${failures}; node ${process.version}; redis save "${save}", appendonly ${appendonly}`,
  );
} finally {
  await worker?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  await rm(dir, { recursive: true, force: true });
}
if (failures > 0) process.exitCode = 1;
