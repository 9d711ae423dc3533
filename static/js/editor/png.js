// A 1-bit greyscale PNG encoder for the mask's bits (see maskbits.js for their layout).

let crcTable = null;
function crc32(bytes, crc) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

function pngChunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length), 0xffffffff) ^ 0xffffffff) >>> 0);
  return out;
}

// The bits are already a 1-bit greyscale PNG's rows (most significant bit first,
// each row padded to a byte): add a filter byte per row and deflate. A 24 MP mask
// posts as a few kilobytes instead of the megabytes an RGBA canvas export weighs.
export async function bitsToPng({ bits, stride, width, height }) {
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(bits.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const deflated = new Uint8Array(await new Response(
    new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  const header = new Uint8Array(13);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  header[8] = 1;  // bit depth
  header[9] = 0;  // greyscale
  return new Blob([
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", header), pngChunk("IDAT", deflated), pngChunk("IEND", new Uint8Array(0)),
  ], { type: "image/png" });
}
