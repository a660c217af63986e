// Record framing of the journal and snapshot files of earlier versions, read by the
// import: each record is [u32 payload length][u32 CRC-32 of the payload][payload:
// UTF-8 JSON], little-endian. A crash mid-write leaves a short or mismatching last
// frame, which a reader can tell apart from a whole one.
import { open } from "node:fs/promises";
import { crc32 } from "node:zlib";

const HEADER = 8;
const READ_CHUNK = 4 * 1024 * 1024;
/** No record comes near this; a larger length field means a damaged header. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface FramesRead {
  /** Bytes from the start of the file up to the end of the last whole record. */
  validBytes: number;
  size: number;
  records: number;
  /** Why reading stopped before the end of the file, if it did. */
  problem?: string;
  /**
   * The damaged record is the file's last and reaches its end: what a crash mid-write
   * leaves. Damage with whole records' worth of bytes after it is something else.
   */
  tornTail?: boolean;
}

/**
 * Hands every whole record's payload (JSON bytes) to `onPayload`, in order, stopping
 * at the first damaged one. A checksum that matches means the bytes are as written.
 */
export async function readFrames(file: string, onPayload: (payload: Buffer) => void): Promise<FramesRead> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    let buffered = Buffer.alloc(0);
    let bufferedAt = 0; // file offset of buffered[0]
    let readTo = 0;
    let records = 0;
    const stop = (offset: number, problem: string, declared?: number): FramesRead => ({
      validBytes: offset,
      size,
      records,
      problem: `${problem} at byte ${offset}`,
      tornTail: declared === undefined ? size - offset < HEADER : offset + HEADER + declared >= size,
    });
    for (;;) {
      let at = 0;
      while (buffered.length - at >= HEADER) {
        const length = buffered.readUInt32LE(at);
        if (length > MAX_RECORD_BYTES) return stop(bufferedAt + at, "a record header with an impossible length");
        if (buffered.length - at < HEADER + length) break;
        const payload = buffered.subarray(at + HEADER, at + HEADER + length);
        if (crc32(payload) !== buffered.readUInt32LE(at + 4)) return stop(bufferedAt + at, "a checksum mismatch", length);
        onPayload(payload);
        records += 1;
        at += HEADER + length;
      }
      buffered = buffered.subarray(at);
      bufferedAt += at;
      if (readTo >= size) break;
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - readTo));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, readTo);
      if (bytesRead === 0) break;
      readTo += bytesRead;
      const fresh = chunk.subarray(0, bytesRead);
      buffered = buffered.length > 0 ? Buffer.concat([buffered, fresh]) : fresh;
    }
    if (buffered.length > 0) {
      return stop(bufferedAt, "a record cut short", buffered.length >= HEADER ? buffered.readUInt32LE(0) : undefined);
    }
    return { validBytes: bufferedAt, size, records };
  } finally {
    await handle.close();
  }
}
