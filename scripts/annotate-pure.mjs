// Marks the calls a module makes when it loads (`const X = Schema.Struct(...)`) with
// `/*#__PURE__*/`, as the Effect packages' builds do, so that a bundler can drop the ones an
// application never uses: importing one helper does not pull in every schema of its module.
// Calls inside functions are left alone (they do not run at load), and so is anything that is
// not a declaration's value or an assignment's.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import ts from "typescript"

const PURE = "/*#__PURE__*/ "

/** Where to insert the mark: the start of every call or `new` in `node`, outside function bodies. */
const callStarts = (node, sourceFile, starts) => {
  if (ts.isFunctionLike(node) || ts.isClassLike(node)) return
  if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !ts.isImportCall(node)) {
    starts.push(node.getStart(sourceFile))
  }
  ts.forEachChild(node, (child) => callStarts(child, sourceFile, starts))
}

/** The source text with the calls it makes at load marked pure. */
export const annotate = (text, fileName) => {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const starts = []
  for (const statement of sourceFile.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (declaration.initializer !== undefined) callStarts(declaration.initializer, sourceFile, starts)
      }
    } else if (
      ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken
    ) {
      callStarts(statement.expression.right, sourceFile, starts)
    }
  }
  let out = text
  for (const start of [...new Set(starts)].sort((a, b) => b - a)) {
    if (!out.slice(Math.max(0, start - PURE.length), start).includes("#__PURE__")) {
      out = `${out.slice(0, start)}${PURE}${out.slice(start)}`
    }
  }
  return out
}

/** Annotates every `.js` file under `dir`, in place. */
export const annotateTree = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) annotateTree(path)
    else if (name.endsWith(".js")) writeFileSync(path, annotate(readFileSync(path, "utf8"), path))
  }
}
