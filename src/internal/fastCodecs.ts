/**
 * Fast paths for the hot schemas: account pages, bulk results, bulk items.
 *
 * Why: `Schema.decodeUnknownEither` / `Schema.encodeEither` are general interpreters. On the
 * happy path they still allocate an `Either` per node, walk union search trees, thread
 * `flatMap`/`mapError` through every transformation and keep issue bookkeeping: about
 * 0.5–1 ms per page of 100 accounts. These codecs give the same answers for much less
 * (`npx tsx bench/decode.ts`).
 *
 * How: each schema's AST is compiled once into code that mirrors what `effect/ParseResult`
 * does for each node: the same checks in the same order, and the same output (keys in schema
 * order; excess properties dropped on decode, and refused with `onExcessProperty: "error"`;
 * defaults filled by the schema's own property-signature transformations; refinements checked
 * by the schema's own filters; transformations and declarations run through the schema's own
 * functions). The schema stays the spec: nothing here restates a field or a rule, and a change
 * to a schema changes its fast path. Where the platform allows `new Function`, the code is
 * generated JavaScript with the property names written in (V8 reads them several times faster
 * than through one generic site); elsewhere (a strict Content-Security-Policy, some edge
 * runtimes) it is the same mirror as closures.
 *
 * Every compiled node answers a value, "fails for sure" (only used to pick a union member, as
 * the interpreter picks it) or "not sure". Anything but a value goes to the full schema, so
 * values and error messages are exactly the schema's. The fast path is not sure about: AST
 * nodes it does not mirror (template literals, `Suspend`, index signatures other than
 * `string`, tuples with several rest elements, nodes with parse-options or decoding-fallback
 * annotations), options it does not mirror (`onExcessProperty: "preserve"`,
 * `propertyOrder: "original"`), transformations or declarations answering an `Effect` rather
 * than an `Either`, and keys named `__proto__`.
 *
 * Contract, checked by `test/fastCodecs.test.ts` with generated valid and invalid values, in
 * both modes: whenever the fast path answers a value, the schema succeeds on the same input
 * with a deep-equal value (the same keys, in the same order); whenever the schema fails, the
 * fast path answers nothing.
 *
 * The schema's functions (filters, transformations, declarations) may run twice for an input
 * that falls back: they must be pure, as the schema already requires.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/** What the fast path answers when only the full schema can tell. */
export const unsure: unique symbol = Symbol("effect-recotap/fastCodecs/unsure")

/** @see {@link unsure} */
export type Unsure = typeof unsure

/** A compiled step's answer when the schema certainly fails on the input (internal). */
const FAIL: unique symbol = Symbol("effect-recotap/fastCodecs/fail")

/** One compiled node: the parsed value, {@link FAIL} or {@link unsure}. */
type Step = (input: unknown) => unknown

const notSure: Step = () => unsure

const isStop = (value: unknown): boolean => value === FAIL || value === unsure

const hasOwn = (target: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(target, key)

/** Answers an interpreter result (`Either`, or an `Effect` we do not run) as a step answer. */
const fromResult = (result: unknown): unknown => {
  if (!Either.isEither(result)) return unsure
  return Either.isRight(result) ? result.right : FAIL
}

/** Mirrors `ParseResult`'s `dropRightRefinement`. */
const dropRightRefinement = (ast: AST.AST): AST.AST => (AST.isRefinement(ast) ? dropRightRefinement(ast.from) : ast)

/** Mirrors `ParseResult.getLiterals`: the required literal properties a union member is found by. */
const getLiterals = (ast: AST.AST, isDecoding: boolean): ReadonlyArray<readonly [PropertyKey, AST.Literal]> => {
  switch (ast._tag) {
    case "Declaration": {
      const surrogate = AST.getSurrogateAnnotation(ast)
      return Option.isSome(surrogate) ? getLiterals(surrogate.value, isDecoding) : []
    }
    case "TypeLiteral": {
      const out: Array<readonly [PropertyKey, AST.Literal]> = []
      for (const ps of ast.propertySignatures) {
        const type = isDecoding ? AST.encodedAST(ps.type) : AST.typeAST(ps.type)
        if (AST.isLiteral(type) && !ps.isOptional) out.push([ps.name, type])
      }
      return out
    }
    case "TupleType": {
      const out: Array<readonly [PropertyKey, AST.Literal]> = []
      ast.elements.forEach((element, i) => {
        const type = isDecoding ? AST.encodedAST(element.type) : AST.typeAST(element.type)
        if (AST.isLiteral(type) && !element.isOptional) out.push([i, type])
      })
      return out
    }
    case "Refinement":
      return getLiterals(ast.from, isDecoding)
    case "Suspend":
      return getLiterals(ast.f(), isDecoding)
    case "Transformation":
      return getLiterals(isDecoding ? ast.from : ast.to, isDecoding)
  }
  return []
}

/** Mirrors `ParseResult.getSearchTree`: which members of a union are tried for which input. */
const getSearchTree = (members: ReadonlyArray<AST.AST>, isDecoding: boolean) => {
  const keys = new Map<PropertyKey, Map<string, Array<AST.AST>>>()
  const otherwise: Array<AST.AST> = []
  for (const member of members) {
    const tags = getLiterals(member, isDecoding)
    if (tags.length === 0) {
      otherwise.push(member)
      continue
    }
    for (let j = 0; j < tags.length; j++) {
      const [name, literal] = tags[j]!
      // The interpreter keys them in an object: a tuple index is the string `"0"` there.
      const key = typeof name === "number" ? String(name) : name
      const hash = String(literal.literal)
      let buckets = keys.get(key)
      if (buckets === undefined) keys.set(key, buckets = new Map())
      const bucket = buckets.get(hash)
      if (bucket !== undefined) {
        if (j < tags.length - 1) continue
        bucket.push(member)
      } else {
        buckets.set(hash, [member])
        break
      }
    }
  }
  // `Reflect.ownKeys` order, as the interpreter iterates them: integer-like keys first, then
  // strings in insertion order, then symbols.
  const order = Reflect.ownKeys(Object.fromEntries([...keys.keys()].map((key) => [key, null])))
  return { keys: order.map((key) => [key, keys.get(key)!] as const), otherwise }
}

interface Compiler {
  readonly options: AST.ParseOptions | undefined
  /** What the schema's own functions receive, as the interpreter passes it. */
  readonly functionOptions: AST.ParseOptions
  readonly memo: Map<AST.AST, Step>
  readonly memoEncode: Map<AST.AST, Step>
}

const compile = (c: Compiler, ast: AST.AST, isDecoding: boolean): Step => {
  const memo = isDecoding ? c.memo : c.memoEncode
  const known = memo.get(ast)
  if (known !== undefined) return known
  // Placeholder while compiling (a cycle without `Suspend` cannot happen, but be safe).
  memo.set(ast, notSure)
  const step = compileNode(c, ast, isDecoding)
  memo.set(ast, step)
  return step
}

const compileNode = (c: Compiler, ast: AST.AST, isDecoding: boolean): Step => {
  // The interpreter merges these into the options, or tries a fallback: not mirrored.
  if (Option.isSome(AST.getParseOptionsAnnotation(ast))) return notSure
  if (isDecoding && Option.isSome(AST.getDecodingFallbackAnnotation(ast))) return notSure
  const fo = c.functionOptions
  switch (ast._tag) {
    case "Literal": {
      const literal = ast.literal
      return (u) => (u === literal ? u : FAIL)
    }
    case "UniqueSymbol": {
      const symbol = ast.symbol
      return (u) => (u === symbol ? u : FAIL)
    }
    case "UndefinedKeyword":
      return (u) => (u === undefined ? u : FAIL)
    case "NeverKeyword":
      return () => FAIL
    case "UnknownKeyword":
    case "AnyKeyword":
    case "VoidKeyword":
      return (u) => u
    case "StringKeyword":
      return (u) => (typeof u === "string" ? u : FAIL)
    case "NumberKeyword":
      return (u) => (typeof u === "number" ? u : FAIL)
    case "BooleanKeyword":
      return (u) => (typeof u === "boolean" ? u : FAIL)
    case "BigIntKeyword":
      return (u) => (typeof u === "bigint" ? u : FAIL)
    case "SymbolKeyword":
      return (u) => (typeof u === "symbol" ? u : FAIL)
    case "ObjectKeyword":
      return (u) => ((typeof u === "object" && u !== null) || typeof u === "function" ? u : FAIL)
    case "Enums": {
      const values = ast.enums.map(([, value]) => value)
      return (u) => (values.some((value) => value === u) ? u : FAIL)
    }
    case "Refinement": {
      if (isDecoding) {
        const from = compile(c, ast.from, true)
        const filter = ast.filter
        return (u) => {
          const a = from(u)
          if (isStop(a)) return a
          return Option.isNone(filter(a, fo, ast)) ? a : FAIL
        }
      }
      // Encoding: check the value as the type side, then encode it with the refined schema.
      const check = compile(c, AST.typeAST(ast), true)
      const encode = compile(c, dropRightRefinement(ast.from), false)
      return (u) => {
        const a = check(u)
        return isStop(a) ? a : encode(a)
      }
    }
    case "Declaration": {
      const parse = isDecoding
        ? ast.decodeUnknown(...ast.typeParameters)
        : ast.encodeUnknown(...ast.typeParameters)
      return (u) => fromResult(parse(u, fo, ast))
    }
    case "Transformation":
      return compileTransformation(c, ast, isDecoding)
    case "TupleType":
      return compileTuple(c, ast, isDecoding)
    case "TypeLiteral":
      return compileTypeLiteral(c, ast, isDecoding)
    case "Union":
      return compileUnion(c, ast, isDecoding)
    // TemplateLiteral, Suspend: left to the schema.
    default:
      return notSure
  }
}

const compileTransformation = (c: Compiler, ast: AST.Transformation, isDecoding: boolean): Step => {
  const from = isDecoding ? compile(c, ast.from, true) : compile(c, ast.to, false)
  const to = isDecoding ? compile(c, ast.to, true) : compile(c, ast.from, false)
  const kind = ast.transformation
  const fo = c.functionOptions
  let transform: (a: unknown, i: unknown) => unknown
  switch (kind._tag) {
    case "FinalTransformation": {
      const f = isDecoding ? kind.decode : kind.encode
      transform = (a, i) => fromResult(f(a, fo, ast, i))
      break
    }
    case "ComposeTransformation":
      transform = (a) => a
      break
    case "TypeLiteralTransformation": {
      // The property-signature transformations (`optionalWith` defaults, `nullable`, renames)
      // run on the object the `from` side just built, as the interpreter runs them.
      const psts = kind.propertySignatureTransformations.map((pst) =>
        isDecoding ? { from: pst.from, to: pst.to, f: pst.decode } : { from: pst.to, to: pst.from, f: pst.encode }
      )
      const plain = psts.every((pst) => pst.from === pst.to) &&
        new Set(psts.map((pst) => pst.from)).size === psts.length
      const fromAst = isDecoding ? ast.from : ast.to
      if (plain && AST.isTypeLiteral(fromAst) && fromAst.indexSignatures.length === 0) {
        // The usual case (`optionalWith`: each transformation keeps its key): the same object
        // the interpreter ends with (its other keys first, then the transformed ones in order),
        // built without `delete`, which would make V8 fall back to slow dictionary objects.
        const touched = new Set<PropertyKey>(psts.map((pst) => pst.from))
        const kept = fromAst.propertySignatures.map((ps) => ps.name).filter((name) => !touched.has(name))
        transform = (a) => {
          if (typeof a !== "object" || a === null) return unsure
          const o = a as Record<PropertyKey, unknown>
          const out: Record<PropertyKey, unknown> = {}
          for (let k = 0; k < kept.length; k++) {
            const name = kept[k]!
            if (hasOwn(o, name)) out[name] = o[name]
          }
          for (let k = 0; k < psts.length; k++) {
            const pst = psts[k]!
            const result = pst.f(hasOwn(o, pst.from) ? Option.some(o[pst.from]) : Option.none())
            if (Option.isSome(result)) out[pst.to] = result.value
          }
          return out
        }
        break
      }
      transform = (a) => {
        if (typeof a !== "object" || a === null) return unsure
        const o = a as Record<PropertyKey, unknown>
        for (let k = 0; k < psts.length; k++) {
          const pst = psts[k]!
          const result = pst.f(hasOwn(o, pst.from) ? Option.some(o[pst.from]) : Option.none())
          delete o[pst.from]
          if (Option.isSome(result)) o[pst.to] = result.value
        }
        return o
      }
      break
    }
  }
  return (u) => {
    const a = from(u)
    if (isStop(a)) return a
    const b = transform(a, u)
    return isStop(b) ? b : to(b)
  }
}

const compileTuple = (c: Compiler, ast: AST.TupleType, isDecoding: boolean): Step => {
  if (ast.rest.length > 1) return notSure
  const elements = ast.elements.map((e) => compile(c, e.type, isDecoding))
  const optional = ast.elements.map((e) => e.isOptional)
  const rest = ast.rest.length === 1 ? compile(c, ast.rest[0]!.type, isDecoding) : undefined
  const requiredLen = ast.elements.filter((e) => !e.isOptional).length
  const elementsLen = elements.length
  return (u) => {
    if (!Array.isArray(u)) return FAIL
    const len = u.length
    if (len < requiredLen) return FAIL
    if (rest === undefined && len > elementsLen) return FAIL
    const out: Array<unknown> = []
    let i = 0
    for (; i < elementsLen; i++) {
      if (len < i + 1) {
        if (optional[i]) continue
        return FAIL
      }
      const r = elements[i]!(u[i])
      if (isStop(r)) return r
      out.push(r)
    }
    if (rest !== undefined) {
      for (; i < len; i++) {
        const r = rest(u[i])
        if (isStop(r)) return r
        out.push(r)
      }
    }
    return out
  }
}

const compileTypeLiteral = (c: Compiler, ast: AST.TypeLiteral, isDecoding: boolean): Step => {
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return (u) => (u === null || u === undefined ? FAIL : u)
  }
  // Only `string` keys are mirrored (`Schema.Record({ key: Schema.String, ... })`).
  if (ast.indexSignatures.some((is) => !AST.isStringKeyword(is.parameter))) return notSure
  if (ast.propertySignatures.some((ps) => ps.name === "__proto__")) return notSure
  const names = ast.propertySignatures.map((ps) => ps.name)
  const optional = ast.propertySignatures.map((ps) => ps.isOptional)
  const steps = ast.propertySignatures.map((ps) => compile(c, ps.type, isDecoding))
  const index = ast.indexSignatures.length === 1 ? compile(c, ast.indexSignatures[0]!.type, isDecoding) : undefined
  if (ast.indexSignatures.length > 1) return notSure
  const expected = new Set<PropertyKey>(names)
  const excessIsError = c.options?.onExcessProperty === "error"
  const exact = c.options?.exact === true
  const count = names.length
  return (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return FAIL
    const input = u as Record<PropertyKey, unknown>
    if (excessIsError) {
      const keys = Reflect.ownKeys(input)
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!
        if (!(index !== undefined && typeof key === "string") && !expected.has(key)) return FAIL
      }
    }
    const out: Record<PropertyKey, unknown> = {}
    for (let k = 0; k < count; k++) {
      const name = names[k]!
      if (!hasOwn(input, name)) {
        if (optional[k]) continue
        if (exact) return FAIL
      }
      const r = steps[k]!(input[name])
      if (isStop(r)) return r
      out[name] = r
    }
    if (index !== undefined) {
      const keys = Object.keys(input)
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!
        // The interpreter assigns it as is: it would set the output's prototype.
        if (key === "__proto__") return unsure
        const r = index(input[key])
        if (isStop(r)) return r
        if (!expected.has(key)) out[key] = r
      }
    }
    return out
  }
}

const compileUnion = (c: Compiler, ast: AST.Union, isDecoding: boolean): Step => {
  const { keys, otherwise } = getSearchTree(ast.types, isDecoding)
  const stepOf = (member: AST.AST) => compile(c, member, isDecoding)
  const others = otherwise.map(stepOf)
  // The first member (in the interpreter's order) that succeeds wins: one we are not sure
  // about stops the search, since it might have been that one.
  const tryAll = (steps: ReadonlyArray<Step>, u: unknown): unknown => {
    for (let k = 0; k < steps.length; k++) {
      const r = steps[k]!(u)
      if (r !== FAIL) return r
    }
    return FAIL
  }
  if (keys.length === 0) {
    if (others.length === 2) {
      const [first, second] = others as [Step, Step]
      return (u) => {
        const r = first(u)
        return r === FAIL ? second(u) : r
      }
    }
    return (u) => tryAll(others, u)
  }
  // The interpreter keeps its buckets in plain objects: a `__proto__` literal is not mirrored.
  if (keys.some(([, buckets]) => buckets.has("__proto__"))) return notSure
  const tagged = keys.map(([key, buckets]) => ({
    key,
    steps: new Map([...buckets].map(([hash, members]) => [hash, members.map(stepOf)] as const))
  }))
  return (u) => {
    if (typeof u === "object" && u !== null) {
      const input = u as Record<PropertyKey, unknown>
      for (let k = 0; k < tagged.length; k++) {
        const { key, steps } = tagged[k]!
        if (!hasOwn(input, key)) continue
        const bucket = steps.get(String(input[key]))
        if (bucket === undefined) continue
        const r = tryAll(bucket, u)
        if (r !== FAIL) return r
      }
    }
    return tryAll(others, u)
  }
}

// ---------------------------------------------------------------------------------------------
// Generated code. The closures above pay for V8's generic ("megamorphic") property access: one
// site reads every property name. Where the platform allows `new Function`, the same mirror is
// written out as JavaScript with the property names in the source (3–10× faster). Only names and
// literals from the schema are written into the source (quoted with `JSON.stringify`); values,
// functions and symbols are passed in as `R<n>` references, never as text.
// ---------------------------------------------------------------------------------------------

interface Gen {
  readonly options: AST.ParseOptions | undefined
  readonly refs: Array<unknown>
  readonly refIndex: Map<unknown, number>
  next: number
}

/** Code and the name of the variable that holds the node's value once the code ran. */
type Emitted = readonly [code: string, out: string]

/** Nodes the interpreter treats in ways the fast path does not mirror. */
const blocked = (ast: AST.AST, isDecoding: boolean): boolean =>
  Option.isSome(AST.getParseOptionsAnnotation(ast)) ||
  (isDecoding && Option.isSome(AST.getDecodingFallbackAnnotation(ast)))

const refOf = (g: Gen, value: unknown): string => {
  let index = g.refIndex.get(value)
  if (index === undefined) {
    index = g.refs.length
    g.refs.push(value)
    g.refIndex.set(value, index)
  }
  return `R${index}`
}

const fresh = (g: Gen, prefix: string): string => `_${prefix}${g.next++}`

/** A property name as a key expression: quoted text, or a reference for a symbol. */
const keyOf = (g: Gen, name: PropertyKey): string =>
  typeof name === "string"
    ? JSON.stringify(name)
    : typeof name === "number"
    ? JSON.stringify(String(name))
    : refOf(g, name)

/** For a node that only checks its input (and answers it unchanged): the check, as an expression. */
const guardOf = (g: Gen, ast: AST.AST, isDecoding: boolean, v: string): string | undefined => {
  if (blocked(ast, isDecoding)) return undefined
  switch (ast._tag) {
    case "Literal": {
      const literal = ast.literal
      return typeof literal === "string" || typeof literal === "boolean" || literal === null
        ? `${v} === ${JSON.stringify(literal)}`
        : `${v} === ${refOf(g, literal)}`
    }
    case "UniqueSymbol":
      return `${v} === ${refOf(g, ast.symbol)}`
    case "UndefinedKeyword":
      return `${v} === undefined`
    case "NeverKeyword":
      return "false"
    case "UnknownKeyword":
    case "AnyKeyword":
    case "VoidKeyword":
      return "true"
    case "StringKeyword":
      return `typeof ${v} === "string"`
    case "NumberKeyword":
      return `typeof ${v} === "number"`
    case "BooleanKeyword":
      return `typeof ${v} === "boolean"`
    case "BigIntKeyword":
      return `typeof ${v} === "bigint"`
    case "SymbolKeyword":
      return `typeof ${v} === "symbol"`
    case "ObjectKeyword":
      return `((typeof ${v} === "object" && ${v} !== null) || typeof ${v} === "function")`
    case "Enums": {
      const values = ast.enums.map(([, value]) => value)
      return `${refOf(g, (u: unknown) => values.some((value) => value === u))}(${v})`
    }
    case "Union": {
      if (getSearchTree(ast.types, isDecoding).keys.length > 0) return undefined
      const guards = ast.types.map((member) => guardOf(g, member, isDecoding, v))
      return guards.every((guard) => guard !== undefined) ? `(${guards.join(" || ")})` : undefined
    }
  }
  return undefined
}

const emit = (g: Gen, ast: AST.AST, isDecoding: boolean, v: string, fail: string): Emitted => {
  if (blocked(ast, isDecoding)) return ["return U;", v]
  const guard = guardOf(g, ast, isDecoding, v)
  if (guard !== undefined) return [guard === "true" ? "" : `if (!(${guard})) ${fail}`, v]
  switch (ast._tag) {
    case "Refinement": {
      if (isDecoding) {
        const [code, a] = emit(g, ast.from, true, v, fail)
        return [`${code}\nif (${refOf(g, ast.filter)}(${a}, OPT, ${refOf(g, ast)})._tag !== "None") ${fail}`, a]
      }
      const [check, a] = emit(g, AST.typeAST(ast), true, v, fail)
      const [encode, b] = emit(g, dropRightRefinement(ast.from), false, a, fail)
      return [`${check}\n${encode}`, b]
    }
    case "Declaration": {
      const parse = isDecoding ? ast.decodeUnknown(...ast.typeParameters) : ast.encodeUnknown(...ast.typeParameters)
      const t = fresh(g, "t")
      const o = fresh(g, "o")
      return [
        `const ${t} = ${refOf(g, parse)}(${v}, OPT, ${refOf(g, ast)});\n` +
        `if (!IS_EITHER(${t})) return U;\nif (${t}._tag === "Left") ${fail}\nconst ${o} = ${t}.right;`,
        o
      ]
    }
    case "Transformation":
      return emitTransformation(g, ast, isDecoding, v, fail)
    case "TupleType":
      return emitTuple(g, ast, isDecoding, v, fail)
    case "TypeLiteral":
      return emitTypeLiteral(g, ast, isDecoding, v, fail)
    case "Union":
      return emitUnion(g, ast, isDecoding, v, fail)
  }
  return ["return U;", v]
}

/**
 * `Struct` with `optionalWith`/`optional` transformations (a `TypeLiteralTransformation` whose
 * property transformations each keep their key, between two `TypeLiteral`s without index
 * signatures), written as one pass: the interpreter builds the `from` object, transforms it,
 * and builds the `to` object from it; here the intermediate objects are local variables (a
 * presence flag and a value per key), and only the output is allocated. The `to` side reads
 * the intermediate object by key, whatever order its keys are in, so nothing else changes.
 */
const emitFusedStruct = (
  g: Gen,
  fromAst: AST.TypeLiteral,
  toAst: AST.TypeLiteral,
  psts: ReadonlyArray<
    { readonly from: PropertyKey; readonly f: (o: Option.Option<unknown>) => Option.Option<unknown> }
  >,
  isDecoding: boolean,
  v: string,
  fail: string
): Emitted => {
  const lines = [`if (typeof ${v} !== "object" || ${v} === null || Array.isArray(${v})) ${fail}`]
  const exact = g.options?.exact === true
  if (g.options?.onExcessProperty === "error") {
    lines.push(excessCheck(g, fromAst.propertySignatures.map((ps) => keyOf(g, ps.name)), false, v, fail))
  }
  const slots = new Map<PropertyKey, { readonly has: string; readonly value: string }>()
  const slotOf = (name: PropertyKey) => {
    let slot = slots.get(name)
    if (slot === undefined) {
      slot = { has: fresh(g, "h"), value: fresh(g, "v") }
      slots.set(name, slot)
      lines.push(`let ${slot.has} = false, ${slot.value};`)
    }
    return slot
  }
  for (const ps of fromAst.propertySignatures) {
    const name = keyOf(g, ps.name)
    const slot = slotOf(ps.name)
    const p = fresh(g, "p")
    const [code, o] = emit(g, ps.type, isDecoding, p, fail)
    const body = `{ const ${p} = ${v}[${name}];\n${code}\n${slot.has} = true; ${slot.value} = ${o}; }`
    if (ps.isOptional) lines.push(`if (H.call(${v}, ${name})) ${body}`)
    else if (exact) lines.push(`if (!H.call(${v}, ${name})) ${fail}`, body)
    else lines.push(body)
  }
  for (const pst of psts) {
    const slot = slotOf(pst.from)
    const t = fresh(g, "t")
    lines.push(
      `{ const ${t} = ${refOf(g, pst.f)}(${slot.has} ? SOME(${slot.value}) : NONE()); ` +
        `if (${t}._tag === "Some") { ${slot.has} = true; ${slot.value} = ${t}.value; } else ${slot.has} = false; }`
    )
  }
  const toNames = new Set<PropertyKey>(toAst.propertySignatures.map((ps) => ps.name))
  if (g.options?.onExcessProperty === "error") {
    for (const [name, slot] of slots) if (!toNames.has(name)) lines.push(`if (${slot.has}) ${fail}`)
  }
  const out = fresh(g, "o")
  lines.push(`const ${out} = {};`)
  for (const ps of toAst.propertySignatures) {
    const slot = slots.get(ps.name)
    if (slot === undefined) {
      // Never in the intermediate object: the interpreter would read it from the prototype.
      if (!ps.isOptional) lines.push("return U;")
      continue
    }
    const [code, o] = emit(g, ps.type, isDecoding, slot.value, fail)
    const body = `{ ${code}\n${out}[${keyOf(g, ps.name)}] = ${o}; }`
    if (ps.isOptional) lines.push(`if (${slot.has}) ${body}`)
    else if (exact) lines.push(`if (!${slot.has}) ${fail}`, body)
    // Missing: the interpreter would read it from the prototype; left to it.
    else lines.push(`if (!${slot.has}) return U;`, body)
  }
  return [lines.join("\n"), out]
}

const emitTransformation = (g: Gen, ast: AST.Transformation, isDecoding: boolean, v: string, fail: string): Emitted => {
  const kind = ast.transformation
  if (kind._tag === "TypeLiteralTransformation") {
    const fromAst = isDecoding ? ast.from : ast.to
    const toAst = isDecoding ? ast.to : ast.from
    const psts = kind.propertySignatureTransformations.map((pst) =>
      isDecoding ? { from: pst.from, to: pst.to, f: pst.decode } : { from: pst.to, to: pst.from, f: pst.encode }
    )
    const plainStruct = (node: AST.AST): node is AST.TypeLiteral =>
      AST.isTypeLiteral(node) && !blocked(node, isDecoding) && node.indexSignatures.length === 0 &&
      node.propertySignatures.every((ps) => ps.name !== "__proto__")
    if (
      plainStruct(fromAst) && plainStruct(toAst) &&
      psts.every((pst) => pst.from === pst.to && pst.from !== "__proto__") &&
      new Set(psts.map((pst) => pst.from)).size === psts.length
    ) {
      return emitFusedStruct(g, fromAst, toAst, psts, isDecoding, v, fail)
    }
  }
  const [fromCode, a] = emit(g, isDecoding ? ast.from : ast.to, isDecoding, v, fail)
  let transform: string
  let b: string
  switch (kind._tag) {
    case "FinalTransformation": {
      const t = fresh(g, "t")
      b = fresh(g, "b")
      transform =
        `const ${t} = ${refOf(g, isDecoding ? kind.decode : kind.encode)}(${a}, OPT, ${refOf(g, ast)}, ${v});\n` +
        `if (!IS_EITHER(${t})) return U;\nif (${t}._tag === "Left") ${fail}\nconst ${b} = ${t}.right;`
      break
    }
    case "ComposeTransformation":
      transform = ""
      b = a
      break
    case "TypeLiteralTransformation": {
      const psts = kind.propertySignatureTransformations.map((pst) =>
        isDecoding ? { from: pst.from, to: pst.to, f: pst.decode } : { from: pst.to, to: pst.from, f: pst.encode }
      )
      if (psts.some((pst) => pst.from === "__proto__" || pst.to === "__proto__")) return ["return U;", v]
      const plain = psts.every((pst) => pst.from === pst.to) &&
        new Set(psts.map((pst) => pst.from)).size === psts.length
      const fromAst = isDecoding ? ast.from : ast.to
      const lines = [`if (typeof ${a} !== "object" || ${a} === null) return U;`]
      const option = (pst: (typeof psts)[number]) =>
        `${refOf(g, pst.f)}(H.call(${a}, ${keyOf(g, pst.from)}) ? SOME(${a}[${keyOf(g, pst.from)}]) : NONE())`
      if (plain && AST.isTypeLiteral(fromAst) && fromAst.indexSignatures.length === 0) {
        // As the interpreter ends up (the untouched keys first, then the transformed ones in
        // order), without `delete`, which makes V8 fall back to slow dictionary objects.
        const touched = new Set<PropertyKey>(psts.map((pst) => pst.from))
        b = fresh(g, "b")
        lines.push(`const ${b} = {};`)
        for (const ps of fromAst.propertySignatures) {
          if (touched.has(ps.name)) continue
          const k = keyOf(g, ps.name)
          lines.push(`if (H.call(${a}, ${k})) ${b}[${k}] = ${a}[${k}];`)
        }
        for (const pst of psts) {
          const t = fresh(g, "t")
          lines.push(
            `{ const ${t} = ${option(pst)}; if (${t}._tag === "Some") ${b}[${keyOf(g, pst.to)}] = ${t}.value; }`
          )
        }
      } else {
        b = a
        for (const pst of psts) {
          const t = fresh(g, "t")
          lines.push(
            `{ const ${t} = ${option(pst)}; delete ${a}[${keyOf(g, pst.from)}]; ` +
              `if (${t}._tag === "Some") ${a}[${keyOf(g, pst.to)}] = ${t}.value; }`
          )
        }
      }
      transform = lines.join("\n")
      break
    }
  }
  const [toCode, c] = emit(g, isDecoding ? ast.to : ast.from, isDecoding, b, fail)
  return [`${fromCode}\n${transform}\n${toCode}`, c]
}

const emitTuple = (g: Gen, ast: AST.TupleType, isDecoding: boolean, v: string, fail: string): Emitted => {
  if (ast.rest.length > 1) return ["return U;", v]
  const n = fresh(g, "n")
  const out = fresh(g, "a")
  const required = ast.elements.filter((e) => !e.isOptional).length
  const lines = [
    `if (!Array.isArray(${v})) ${fail}`,
    `const ${n} = ${v}.length;`,
    `if (${n} < ${required}) ${fail}`
  ]
  if (ast.rest.length === 0) lines.push(`if (${n} > ${ast.elements.length}) ${fail}`)
  lines.push(`const ${out} = [];`)
  ast.elements.forEach((element, i) => {
    const e = fresh(g, "e")
    const [code, o] = emit(g, element.type, isDecoding, e, fail)
    const body = `{ const ${e} = ${v}[${i}];\n${code}\n${out}.push(${o}); }`
    lines.push(element.isOptional ? `if (${n} > ${i}) ${body}` : body)
  })
  if (ast.rest.length === 1) {
    const i = fresh(g, "i")
    const e = fresh(g, "e")
    const [code, o] = emit(g, ast.rest[0]!.type, isDecoding, e, fail)
    lines.push(
      `for (let ${i} = ${ast.elements.length}; ${i} < ${n}; ${i}++) { const ${e} = ${v}[${i}];\n${code}\n${out}.push(${o}); }`
    )
  }
  return [lines.join("\n"), out]
}

/** With `onExcessProperty: "error"`: every own key (symbols and non-enumerable ones too) must be expected. */
const excessCheck = (g: Gen, names: ReadonlyArray<string>, anyString: boolean, v: string, fail: string): string => {
  const ks = fresh(g, "ks")
  const i = fresh(g, "i")
  const k = fresh(g, "k")
  const expected = names.length > 0 ? `case ${names.join(": case ")}: continue;` : ""
  return `{ const ${ks} = Reflect.ownKeys(${v}); for (let ${i} = 0; ${i} < ${ks}.length; ${i}++) { const ${k} = ${ks}[${i}];` +
    (anyString ? ` if (typeof ${k} === "string") continue;` : "") +
    ` switch (${k}) { ${expected} default: ${fail} } } }`
}

const emitTypeLiteral = (g: Gen, ast: AST.TypeLiteral, isDecoding: boolean, v: string, fail: string): Emitted => {
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return [`if (${v} === null || ${v} === undefined) ${fail}`, v]
  }
  if (ast.indexSignatures.length > 1 || ast.indexSignatures.some((is) => !AST.isStringKeyword(is.parameter))) {
    return ["return U;", v]
  }
  if (ast.propertySignatures.some((ps) => ps.name === "__proto__")) return ["return U;", v]
  const index = ast.indexSignatures[0]
  const names = ast.propertySignatures.map((ps) => keyOf(g, ps.name))
  const out = fresh(g, "o")
  const lines = [`if (typeof ${v} !== "object" || ${v} === null || Array.isArray(${v})) ${fail}`]
  if (g.options?.onExcessProperty === "error") lines.push(excessCheck(g, names, index !== undefined, v, fail))
  lines.push(`const ${out} = {};`)
  ast.propertySignatures.forEach((ps, j) => {
    const name = names[j]!
    const p = fresh(g, "p")
    const [code, o] = emit(g, ps.type, isDecoding, p, fail)
    const body = `{ const ${p} = ${v}[${name}];\n${code}\n${out}[${name}] = ${o}; }`
    if (ps.isOptional) lines.push(`if (H.call(${v}, ${name})) ${body}`)
    else if (g.options?.exact === true) lines.push(`if (!H.call(${v}, ${name})) ${fail}`, body)
    else lines.push(body)
  })
  if (index !== undefined) {
    const ks = fresh(g, "ks")
    const i = fresh(g, "i")
    const k = fresh(g, "k")
    const p = fresh(g, "p")
    const [code, o] = emit(g, index.type, isDecoding, p, fail)
    const assign = names.length > 0
      ? `switch (${k}) { case ${names.join(": case ")}: break; default: ${out}[${k}] = ${o}; }`
      : `${out}[${k}] = ${o};`
    lines.push(
      `{ const ${ks} = Object.keys(${v}); for (let ${i} = 0; ${i} < ${ks}.length; ${i}++) { const ${k} = ${ks}[${i}];\n` +
        // The interpreter assigns it as is: it would set the output's prototype.
        `if (${k} === "__proto__") return U;\nconst ${p} = ${v}[${k}];\n${code}\n${assign} } }`
    )
  }
  return [lines.join("\n"), out]
}

const emitUnion = (g: Gen, ast: AST.Union, isDecoding: boolean, v: string, fail: string): Emitted => {
  const { keys, otherwise } = getSearchTree(ast.types, isDecoding)
  if (keys.some(([, buckets]) => buckets.has("__proto__"))) return ["return U;", v]
  const label = fresh(g, "U")
  const out = fresh(g, "u")
  // The first member (in the interpreter's order) that succeeds wins; one the fast path is not
  // sure about stops everything (`return U`), since it might have been that one.
  const member = (m: AST.AST): string => {
    const guard = guardOf(g, m, isDecoding, v)
    if (guard !== undefined) return `if (${guard}) { ${out} = ${v}; break ${label}; }`
    const next = fresh(g, "M")
    const [code, o] = emit(g, m, isDecoding, v, `break ${next};`)
    return `${next}: {\n${code}\n${out} = ${o};\nbreak ${label};\n}`
  }
  const lines = [`let ${out};`, `${label}: {`]
  if (keys.length > 0) {
    lines.push(`if (typeof ${v} === "object" && ${v} !== null) {`)
    for (const [key, buckets] of keys) {
      const k = keyOf(g, key)
      lines.push(`if (H.call(${v}, ${k})) switch (String(${v}[${k}])) {`)
      for (const [hash, members] of buckets) {
        lines.push(`case ${JSON.stringify(hash)}: {`, ...members.map(member), "break; }")
      }
      lines.push("}")
    }
    lines.push("}")
  }
  lines.push(...otherwise.map(member), fail, "}")
  return [lines.join("\n"), out]
}

/** Most generated source for one schema: beyond, the closures are used. */
const MAX_SOURCE = 400_000

let evalAllowed: boolean | undefined
/** Whether this platform runs `new Function` (Content-Security-Policy and some edge runtimes refuse it). */
const canGenerate = (): boolean => {
  if (evalAllowed === undefined) {
    try {
      evalAllowed = new Function("return 1")() === 1
    } catch {
      evalAllowed = false
    }
  }
  return evalAllowed
}

/** The generated fast path, or `undefined` where it cannot be generated. */
const generate = (
  ast: AST.AST,
  isDecoding: boolean,
  options: AST.ParseOptions | undefined
): ((input: unknown) => unknown) | undefined => {
  if (!canGenerate()) return undefined
  const g: Gen = { options, refs: [], refIndex: new Map(), next: 0 }
  const [code, out] = emit(g, ast, isDecoding, "x", "return U;")
  const source = [
    `"use strict";`,
    ...g.refs.map((_, i) => `const R${i} = R[${i}];`),
    `return function fast(x) {\n${code}\nreturn ${out};\n};`
  ].join("\n")
  if (source.length > MAX_SOURCE) return undefined
  try {
    const make = new Function("R", "U", "H", "OPT", "IS_EITHER", "SOME", "NONE", source)
    return make(
      g.refs,
      unsure,
      Object.prototype.hasOwnProperty,
      options ?? AST.defaultParseOption,
      Either.isEither,
      Option.some,
      Option.none
    )
  } catch {
    return undefined
  }
}

/**
 * How the fast path runs: `"generated"` code where the platform allows it (else closures),
 * or `"closures"` (tests check both against the schema).
 */
export type FastMode = "generated" | "closures"

/**
 * The fast path of a schema's AST in one direction with the given options: the schema's value,
 * or {@link unsure}. Exported for the tests; use {@link fastDecoder} / {@link fastEncoder}.
 *
 * @internal
 */
export const compileFast = (
  ast: AST.AST,
  isDecoding: boolean,
  options: AST.ParseOptions | undefined,
  mode: FastMode = "generated"
): Step => {
  // Not mirrored: the interpreter keeps unknown keys, or reorders the output.
  if (options?.onExcessProperty === "preserve" || options?.propertyOrder === "original") return notSure
  const generated = mode === "generated" ? generate(ast, isDecoding, options) : undefined
  if (generated !== undefined) return generated
  const c: Compiler = {
    options,
    functionOptions: options ?? AST.defaultParseOption,
    memo: new Map(),
    memoEncode: new Map()
  }
  const step = compile(c, ast, isDecoding)
  return (u) => {
    const r = step(u)
    return r === FAIL ? unsure : r
  }
}

/**
 * A decoder or encoder with a fast path: call it as the schema's `decodeUnknownEither` /
 * `encodeEither`, with the same result.
 */
export interface FastCodec<In, Out> {
  (input: In): Either.Either<Out, ParseResult.ParseError>
  /** The fast path alone: the schema's value, or {@link unsure} where only the schema can tell. */
  readonly fast: (input: In) => Out | Unsure
  /** How many calls the fast path answered, and how many went to the schema (see the tests). */
  readonly stats: { fast: number; fallback: number }
}

const cache = new WeakMap<AST.AST, Map<string, FastCodec<any, any>>>()

const cached = <In, Out>(
  ast: AST.AST,
  isDecoding: boolean,
  options: AST.ParseOptions | undefined,
  make: () => (input: In) => Either.Either<Out, ParseResult.ParseError>
): FastCodec<In, Out> => {
  const key = [isDecoding, options?.errors, options?.onExcessProperty, options?.propertyOrder, options?.exact].join("|")
  let byOptions = cache.get(ast)
  if (byOptions === undefined) cache.set(ast, byOptions = new Map())
  const known = byOptions.get(key)
  if (known !== undefined) return known
  // Compiled on first use: importing the client costs nothing, and a platform that refuses
  // `new Function` is only asked when a codec is first needed.
  let compiled: ((input: In) => Out | Unsure) | undefined
  let fallback: ((input: In) => Either.Either<Out, ParseResult.ParseError>) | undefined
  const fast = (input: In): Out | Unsure =>
    (compiled ??= compileFast(ast, isDecoding, options) as (input: In) => Out | Unsure)(input)
  const stats = { fast: 0, fallback: 0 }
  const codec = Object.assign((input: In): Either.Either<Out, ParseResult.ParseError> => {
    const value = fast(input)
    if (value !== unsure) {
      stats.fast++
      return Either.right(value)
    }
    stats.fallback++
    return (fallback ??= make())(input)
  }, { fast, stats })
  byOptions.set(key, codec)
  return codec
}

/**
 * `Schema.decodeUnknownEither(schema, options)` with a fast path compiled from the schema's AST
 * (see the module's documentation): the same values and the same errors. Compiled once per
 * schema and options (calling it again returns the same codec).
 */
export const fastDecoder = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options?: AST.ParseOptions
): FastCodec<unknown, A> => cached(schema.ast, true, options, () => Schema.decodeUnknownEither(schema, options))

/**
 * `Schema.encodeEither(schema, options)` with a fast path compiled from the schema's AST (see
 * the module's documentation): the same encoded values and the same errors.
 */
export const fastEncoder = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options?: AST.ParseOptions
): FastCodec<A, I> => cached(schema.ast, false, options, () => Schema.encodeEither(schema, options))

/** The options `runBulk` encodes items with: a property the schema does not name is an error. */
const ITEM_OPTIONS: AST.ParseOptions = { onExcessProperty: "error" }

/**
 * The encoder of one item of a bulk write (`AccountInput`, `ExternalIdMapping`, `DealInput`,
 * `SalesActivityInput`, `PipelineInput`): `Schema.encodeEither(schema, { onExcessProperty:
 * "error" })` with a fast path. It checks what the schema checks (every field's type and
 * filter, e.g. non-blank text, emails, finite numbers; no property the schema does not name,
 * which the fast path leaves to the schema to report) and builds the value sent (dates as ISO
 * 8601 text, through the schema's own transformation).
 */
export const fastItemEncoder = <A, I>(schema: Schema.Schema<A, I, never>): FastCodec<A, I> =>
  fastEncoder(schema, ITEM_OPTIONS)
