/* Photos as the phone sends them: each re-drawn on a canvas at most `edge` px on its
 * longer side and encoded as JPEG. Re-encoding keeps nothing of the camera's file but the
 * pixels, so its EXIF block (the place it was taken, the device) stays on the phone;
 * createImageBitmap applies the EXIF orientation first, so the picture stays upright. */

const STEP = 0.1;
const FLOOR = 0.5;

async function bitmapOf(file) {
  try {
    return await createImageBitmap(file, {imageOrientation: "from-image"});
  } catch {
    return createImageBitmap(file);
  }
}

function toBlob(canvas, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))),
                  "image/jpeg", quality);
  });
}

/* One File → a JPEG Blob at most edge × edge px (never enlarged) and, where it can be,
   at most maxBytes: a photo too busy for that at `quality` is encoded again a step lower
   (down to FLOOR), then at a smaller size. */
export async function shrink(file, edge, quality, maxBytes) {
  const bitmap = await bitmapOf(file);
  let scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
  let blob = null;
  for (let tries = 0; tries < 4 && (!blob || blob.size > maxBytes); tries += 1) {
    const canvas = draw(bitmap, scale);
    for (let q = quality; q >= FLOOR - 1e-9; q -= STEP) {
      blob = await toBlob(canvas, q);
      if (!maxBytes || blob.size <= maxBytes) break;
    }
    scale *= 0.8;
  }
  if (bitmap.close) bitmap.close();
  return blob;
}

function draw(bitmap, scale) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";  // a transparent PNG becomes white, not black
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/* Files → [{field: "photos", blob, name}], in the order chosen. */
export async function shrinkAll(files, edge, quality, maxBytes) {
  const out = [];
  for (const [i, file] of [...files].entries()) {
    out.push({field: "photos", blob: await shrink(file, edge, quality, maxBytes),
              name: `photo${i + 1}.jpg`});
  }
  return out;
}
