/**
 * What a copy worker thread of the filesystem driver runs (see `fs-copy-pool.ts`): the script.
 *
 * A job is one whole object copy, every filesystem call of it synchronous in the worker, so the
 * main thread pays two messages per object, whatever its size (it used to pay a dozen
 * `fs/promises` calls — opening, closing, renaming, creating directories — ~0.6 ms per object):
 *
 * 1. **Source**: read the source's sidecar, open the content file of that version (read the
 *    sidecar again when a concurrent write replaced the version meanwhile) — as `get` does.
 * 2. **Temporary file**: create the object directory, then `%tmp-<random>` exclusively
 *    (again when a concurrent delete pruned the directory meanwhile) — as `put` does.
 * 3. **Bytes**: positional `read` → hash `update` → positional `write` over one reused buffer
 *    to the end of the source; fsync when durable. With `direct`, the temporary file is opened
 *    with `O_DIRECT`: the copy goes to the device without filling the page cache (a copy is
 *    written once and rarely read soon; on the bench machine page-cache writes cost 2–3× the
 *    CPU of direct ones). The buffer is a WebAssembly memory, whose base is page-aligned, so
 *    every direct write is aligned; the last partial block of a file goes through a second,
 *    buffered descriptor. A filesystem that refuses `O_DIRECT` (`EINVAL` at the open or the
 *    first write) turns it off for the worker, and the job goes on buffered. The hash is the
 *    sha256 alone when the source's sidecar records one under a valid seal (`fs-layout.ts`):
 *    the bytes must be those the source's write hashed, so their md5 is the source's etag, at
 *    2.4× less CPU than an md5. Otherwise (a sidecar from before the digest, or a broken seal)
 *    md5 and sha256 both.
 * 4. **Etag**: the bytes must match the source's sha256 (or hash to the md5 the etag then is),
 *    and that etag must be the expected one, else nothing is committed.
 * 5. **Commit** (the pool's caller holds the key's mutex for the whole job): read the current
 *    sidecar, check `ifNoneMatch` / `ifMatch` against it, rename the temporary file to
 *    `%v-<version>`, write the new sidecar beside it and rename it over `%meta.json` (fsynced,
 *    with the directories up to the root, when durable), remove the replaced version's content.
 *
 * A **hash job** (`BankDriver.hashObject`) finds the source as step 1 does, reads it to its end
 * and answers its version, size and sha256.
 *
 * A failure or a stop removes the temporary file and the directories left empty, and answers.
 * Before each step and each chunk the worker looks at its stop flag (raised by the pool to abort
 * the job); once the commit has begun it finishes. The descriptors a worker holds are its own:
 * Node closes them if the thread is terminated mid-job (`trackUnmanagedFds`).
 *
 * The script is evaluated (`new Worker(source, { eval: true })`), so it needs no file of its
 * own in the build, and works the same under tsx and from `dist`. Its sidecar check is the one
 * of `parseSidecar` (`fs-layout.ts`); an unreadable sidecar is answered with its text, and the
 * main thread builds the error from it with `parseSidecar`.
 *
 * The messages it exchanges with the pool are typed in `fs-copy-messages.ts`.
 *
 * @module
 */
import { DIRECT_IO_ALIGNMENT } from './fs-copy-messages.js';

/** The worker's script (CommonJS, evaluated). */
export const COPY_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { dirname, join, sep } = require('node:path');
const { metaFile, dataPrefix, readRetries, createRetries } = workerData;
const stop = new Int32Array(workerData.stop);
// A WebAssembly memory starts on a page boundary, as O_DIRECT needs (it reserves address space
// beyond its size, not memory; buffered copies need no alignment and take a plain buffer).
const buffer = workerData.direct
  ? Buffer.from(new WebAssembly.Memory({ initial: Math.ceil(workerData.chunkBytes / 65536) }).buffer, 0, workerData.chunkBytes)
  : Buffer.allocUnsafeSlow(workerData.chunkBytes);
const ALIGNMENT = ${DIRECT_IO_ALIGNMENT};
const SIDECAR_LIMIT = 1024 * 1024;
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
let direct = workerData.direct && fs.constants.O_DIRECT !== undefined;
const STOP = Symbol('stop');
class Refusal { constructor(failure) { this.failure = failure; } }

const errnoOf = (error) => (error !== null && typeof error === 'object' && typeof error.code === 'string' ? error.code : undefined);
const checkStop = () => { if (Atomics.load(stop, 0) !== 0) throw STOP; };
const quietly = (action) => { try { action(); } catch {} };

function isInside(root, path) {
  return path.startsWith(root.endsWith(sep) ? root : root + sep) && path !== root;
}
function pruneEmpty(root, directory) {
  for (let current = directory; isInside(root, current); current = dirname(current)) {
    try { fs.rmdirSync(current); } catch (error) { if (errnoOf(error) !== 'ENOENT') return; }
  }
}
function syncDirectories(root, directory) {
  for (let current = directory; ; current = dirname(current)) {
    const fd = fs.openSync(current, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    if (!isInside(root, current)) return;
  }
}

function isSidecar(value) {
  return typeof value === 'object' && value !== null && value.format === 1 && typeof value.key === 'string' &&
    typeof value.version === 'string' && /^[0-9a-f-]+$/u.test(value.version) && typeof value.size === 'number' &&
    typeof value.etag === 'string' && typeof value.lastModified === 'string' &&
    typeof value.metadata === 'object' && value.metadata !== null;
}
function sealOf(etag, size, sha256) {
  return createHash('sha256').update(etag + ' ' + size + ' ' + sha256).digest('hex').slice(0, 32);
}
function isSealed(sidecar) {
  return typeof sidecar.sha256 === 'string' && typeof sidecar.seal === 'string' && sidecar.seal === sealOf(sidecar.etag, sidecar.size, sidecar.sha256);
}
/**
 * A sidecar's text; past SIDECAR_LIMIT bytes (a sidecar is a few hundred) only that much, which
 * then fails to parse: a garbage file never fills this worker's small heap.
 */
function readSmall(path) {
  const fd = fs.openSync(path, 'r');
  try {
    const limit = Math.min(fs.fstatSync(fd).size, SIDECAR_LIMIT);
    const bytes = Buffer.allocUnsafe(limit);
    let filled = 0;
    while (filled < limit) {
      const read = fs.readSync(fd, bytes, filled, limit - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.toString('utf8', 0, filled);
  } finally {
    fs.closeSync(fd);
  }
}
function readSidecar(directory, phase, oftenAbsent) {
  const path = join(directory, metaFile);
  // An absent sidecar found by a failing open costs an exception (~10 µs); a stat that may find
  // nothing does not.
  if (oftenAbsent && fs.statSync(path, { throwIfNoEntry: false }) === undefined) return undefined;
  let text;
  try {
    text = readSmall(path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  let value;
  try { value = JSON.parse(text); } catch {}
  if (!isSidecar(value)) throw new Refusal({ kind: 'unreadable', phase, path, text });
  return value;
}

function openSource(directory) {
  let previous;
  for (let attempt = 1; attempt <= readRetries; attempt++) {
    const sidecar = readSidecar(directory, 'source', false);
    if (sidecar === undefined) throw new Refusal({ kind: 'source-missing' });
    try {
      return { fd: fs.openSync(join(directory, dataPrefix + sidecar.version), 'r'), sidecar };
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
      if (previous === sidecar.version) break;
      previous = sidecar.version;
    }
  }
  throw new Refusal({ kind: 'source-content-missing' });
}

/**
 * Creates the temporary file (buffered, exclusively), then, when \`direct\`, opens it a second
 * time with O_DIRECT — a filesystem that refuses O_DIRECT answers EINVAL to that open alone,
 * and the copy is buffered from then on. Answers both descriptors (\`directFd\` -1 when none).
 */
function createTemp(job) {
  let fd;
  for (let attempt = 1; ; attempt++) {
    fs.mkdirSync(job.directory, { recursive: true });
    try {
      fd = fs.openSync(job.temp, CREATE_FLAGS, 0o666);
      break;
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT' || attempt >= createRetries) throw error;
    }
  }
  if (!direct) return { fd, directFd: -1 };
  try {
    return { fd, directFd: fs.openSync(job.temp, fs.constants.O_WRONLY | fs.constants.O_DIRECT) };
  } catch (error) {
    if (errnoOf(error) === 'EINVAL') {
      direct = false;
      return { fd, directFd: -1 };
    }
    quietly(() => fs.closeSync(fd));
    throw error;
  }
}

/**
 * The temporary file's writer: aligned blocks through the O_DIRECT descriptor when there is
 * one, anything else (a file's last partial block, the rest of a short write) through the
 * buffered one — both closed by \`close()\`.
 */
class TempWriter {
  constructor(temp) {
    this.fd = temp.fd;
    this.directFd = temp.directFd;
  }
  write(bytes, at, length, position) {
    let done = 0;
    if (this.directFd !== -1) {
      const aligned = length - (length % ALIGNMENT);
      try {
        while (done < aligned && (position + done) % ALIGNMENT === 0) done += fs.writeSync(this.directFd, bytes, at + done, aligned - done, position + done);
      } catch (error) {
        if (errnoOf(error) !== 'EINVAL' || done > 0) throw error;
        // The filesystem takes O_DIRECT opens but not these writes: buffered from now on.
        direct = false;
        const directFd = this.directFd;
        this.directFd = -1;
        fs.closeSync(directFd);
      }
    }
    while (done < length) done += fs.writeSync(this.fd, bytes, at + done, length - done, position + done);
  }
  /** fsync: one call covers the file, whichever descriptor wrote. */
  sync() {
    fs.fsyncSync(this.fd);
  }
  close() {
    const fds = this.directFd === -1 ? [this.fd] : [this.directFd, this.fd];
    this.fd = -1;
    this.directFd = -1;
    let failure;
    for (const fd of fds) {
      try { fs.closeSync(fd); } catch (error) { failure ??= error; }
    }
    if (failure !== undefined) throw failure;
  }
}

/**
 * Reads the bytes to their end, writing them to \`output\` unless it is undefined; answers
 * their sha256, their md5 when \`withMd5\`, and their size.
 */
function copyBytes(input, output, withMd5) {
  const sha256 = createHash('sha256');
  const md5 = withMd5 ? createHash('md5') : undefined;
  let size = 0;
  for (;;) {
    checkStop();
    const read = fs.readSync(input, buffer, 0, buffer.length, size);
    if (read === 0) break;
    const bytes = read === buffer.length ? buffer : buffer.subarray(0, read);
    sha256.update(bytes);
    md5?.update(bytes);
    output?.write(buffer, 0, read, size);
    size += read;
  }
  return { sha256: sha256.digest('hex'), md5: md5?.digest('hex'), size };
}

/**
 * The content's etag (md5): the source's, vouched for by its sealed sha256, or the one
 * computed. Bytes of another size than the source recorded are damage either way.
 */
function etagOf(source, bytes) {
  if (bytes.size !== source.size) {
    throw new Refusal({ kind: 'damaged', check: 'size', expected: source.size + ' bytes', actual: bytes.size + ' bytes' });
  }
  if (bytes.md5 !== undefined) return bytes.md5;
  if (bytes.sha256 !== source.sha256) throw new Refusal({ kind: 'damaged', check: 'sha256', expected: source.sha256, actual: bytes.sha256 });
  return source.etag;
}

function commit(job, content) {
  const current = readSidecar(job.directory, 'copy', job.ifMatch === undefined);
  if (job.ifNoneMatch && current !== undefined) throw new Refusal({ kind: 'precondition', condition: 'ifNoneMatch: *' });
  if (job.ifMatch !== undefined && (current === undefined || current.version !== job.ifMatch)) {
    throw new Refusal({ kind: 'precondition', condition: 'ifMatch: ' + job.ifMatch });
  }
  const lastModified = new Date().toISOString();
  const { etag, size, sha256 } = content;
  const text = JSON.stringify({ format: 1, key: job.key, version: job.version, size, etag, sha256, seal: sealOf(etag, size, sha256), metadata: job.metadata, lastModified });
  const data = join(job.directory, dataPrefix + job.version);
  fs.renameSync(job.temp, data);
  try {
    const fd = fs.openSync(job.sidecarTemp, 'wx');
    try {
      fs.writeFileSync(fd, text);
      if (job.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(job.sidecarTemp, join(job.directory, metaFile));
  } catch (error) {
    quietly(() => fs.unlinkSync(job.sidecarTemp));
    quietly(() => fs.unlinkSync(data));
    throw error;
  }
  if (job.durable) syncDirectories(job.root, job.directory);
  if (current !== undefined) quietly(() => fs.unlinkSync(join(job.directory, dataPrefix + current.version)));
  return lastModified;
}

/** The answer to a job that threw \`error\` in \`phase\`: stopped, refused, or a filesystem error. */
function answerOf(id, error, phase) {
  if (error === STOP) return { id, stopped: true };
  if (error instanceof Refusal) return { id, failure: error.failure };
  const message = error instanceof Error ? error.message : String(error);
  const code = errnoOf(error);
  return { id, failure: code === undefined ? { kind: 'error', phase, message } : { kind: 'error', phase, message, code } };
}

function run(id, job) {
  let phase = 'source';
  let input = -1;
  let output;
  let created = false;
  try {
    checkStop();
    const source = openSource(job.source);
    input = source.fd;
    phase = 'copy';
    checkStop();
    const temp = createTemp(job);
    created = true;
    output = new TempWriter(temp);
    const bytes = copyBytes(input, output, !isSealed(source.sidecar));
    if (job.durable) output.sync();
    const written = output;
    output = undefined;
    written.close();
    const content = { etag: etagOf(source.sidecar, bytes), size: bytes.size, sha256: bytes.sha256 };
    if (job.etag !== undefined && job.etag !== content.etag) throw new Refusal({ kind: 'integrity', etag: content.etag });
    checkStop();
    const lastModified = commit(job, content);
    created = false;
    return { id, done: { etag: content.etag, size: content.size, lastModified } };
  } catch (error) {
    return answerOf(id, error, phase);
  } finally {
    if (output !== undefined) quietly(() => output.close());
    if (input !== -1) quietly(() => fs.closeSync(input));
    if (created) {
      quietly(() => fs.unlinkSync(job.temp));
      pruneEmpty(job.root, job.directory);
    }
  }
}

/** A hash job: the source's current content, read to its end and hashed (sha256). */
function hash(id, job) {
  let input = -1;
  try {
    checkStop();
    const source = openSource(job.source);
    input = source.fd;
    const { size, sha256 } = copyBytes(input, undefined, false);
    return { id, hashed: { version: source.sidecar.version, size, sha256 } };
  } catch (error) {
    return answerOf(id, error, 'source');
  } finally {
    if (input !== -1) quietly(() => fs.closeSync(input));
  }
}

parentPort.on('message', ({ id, job }) => parentPort.postMessage(job.kind === 'hash' ? hash(id, job) : run(id, job)));
`;
