// npm sharp (libvips), the first version's image library, cutting the same views: no pose, only the crops and
// progressive q90 JPEG encodes, written to files. Run by bench_pose.py from a throwaway folder:
//   mkdir /tmp/sharpbench && cd /tmp/sharpbench && npm install sharp@0.35
//   NODE_PATH=/tmp/sharpbench/node_modules node sharp_views.mjs JOB.json
// JOB.json: {"reps": n, "out_dir": "...", "photos": [{"path": "...", "width": w, "height": h, "boxes": [[x0, y0, x1, y1], ...]}]}
// Prints {path: [[wall_s, cpu_s], ...]}: one pair per repetition, the five views of the photo together.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const sharp = require("sharp");
sharp.cache(false); // each repetition decodes and encodes for real

const WHITE = { r: 255, g: 255, b: 255 };

function view(buffer, photo, [x0, y0, x1, y1], file) {
  // A box past the image's edge (a padded view) gets white bands, as PoseCraft's views do.
  const left = Math.max(x0, 0), top = Math.max(y0, 0);
  const right = Math.min(x1, photo.width), bottom = Math.min(y1, photo.height);
  let pipeline = sharp(buffer).extract({ left, top, width: right - left, height: bottom - top });
  if (left !== x0 || top !== y0 || right !== x1 || bottom !== y1) {
    pipeline = pipeline.extend({ left: left - x0, top: top - y0, right: x1 - right, bottom: y1 - bottom, background: WHITE });
  }
  return pipeline.jpeg({ quality: 90, progressive: true }).toFile(file);
}

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = {};
for (const photo of job.photos) {
  const buffer = readFileSync(photo.path);
  const views = () => Promise.all(photo.boxes.map((box, i) => view(buffer, photo, box, path.join(job.out_dir, `sharp-${i}.jpg`))));
  await views(); // warm-up
  results[photo.path] = [];
  for (let rep = 0; rep < job.reps; rep++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await views();
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    results[photo.path].push([wall, (used.user + used.system) / 1e6]);
  }
}
console.log(JSON.stringify(results));
