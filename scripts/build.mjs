// `npm run build`: the package as it is published, from a clean `dist`:
// `dist/esm` (ES modules) and `dist/cjs` (CommonJS), each with its own declarations, so that
// `import` and `require` both get code and types of their own format.
import { execFileSync } from "node:child_process"
import { chmodSync, rmSync, writeFileSync } from "node:fs"
import { annotateTree } from "./annotate-pure.mjs"

const tsc = (project) => execFileSync("npx", ["tsc", "-p", project], { stdio: "inherit" })

rmSync("dist", { recursive: true, force: true })
tsc("tsconfig.build.json")
tsc("tsconfig.build.cjs.json")
// The package is `"type": "module"`; this marks the CommonJS half as such, for Node and TypeScript.
writeFileSync("dist/cjs/package.json", `${JSON.stringify({ type: "commonjs" })}\n`)
annotateTree("dist/esm")
annotateTree("dist/cjs")
chmodSync("dist/esm/simulator/cli.js", 0o755)
chmodSync("dist/esm/cli/main.js", 0o755)
