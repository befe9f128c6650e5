const fs = require("fs"); const dir = process.argv[2]
const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))
const p = JSON.parse(fs.readFileSync(`${dir}/${file}`))
const self = new Map(); const total = p.samples.length
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const counts = new Map(); for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1)
for (const [id, c] of counts) { const n = byId.get(id); const cf = n.callFrame; const url = cf.url.replace(/.*node_modules\//, "").replace(/.*\/src\//, "src/"); const k = `${cf.functionName || "(anon)"} ${url}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + c) }
const byFile = new Map(); for (const [k, c] of self) { const f = k.split(" ")[1].split(":")[0]; byFile.set(f, (byFile.get(f) ?? 0) + c) }
console.log("TOP FUNCTIONS"); [...self].sort((a, b) => b[1] - a[1]).slice(0, 35).forEach(([k, c]) => console.log((100 * c / total).toFixed(1).padStart(5), k))
console.log("TOP FILES"); [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(([k, c]) => console.log((100 * c / total).toFixed(1).padStart(5), k))
