/**
 * Generators and comparisons for the property tests that hold a plain check to its schema
 * (`accountPage.test.ts`, `accountInput.test.ts`): valid, realistic, mutated and arbitrary
 * values, and the key order `toStrictEqual` ignores.
 */
import { expect } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as fc from "effect/FastCheck"
import type * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

// ---------------------------------------------------------------------------------------------
// Comparing values
// ---------------------------------------------------------------------------------------------

/** The keys of every object in a value, in order, recursively: `toStrictEqual` ignores key order. */
export const shape = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shape)
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !DateTime.isDateTime(value)) {
    return Reflect.ownKeys(value).map((key) => [key, shape((value as Record<PropertyKey, unknown>)[key])])
  }
  return null
}

/** A structural picture of an input, to check that nothing mutates it. */
export const snapshot = (value: unknown): unknown => {
  if (Array.isArray(value)) return ["array", value.length, ...Array.from(value, snapshot)]
  if (value instanceof Date) return ["date", value.getTime()]
  if (typeof value === "object" && value !== null && !DateTime.isDateTime(value)) {
    return [
      "object",
      Object.getPrototypeOf(value),
      Reflect.ownKeys(value).map((key) => [key, snapshot((value as Record<PropertyKey, unknown>)[key])])
    ]
  }
  return value
}

/** What `check` answers of `input`, having made sure it left `input` as it was. */
export const leavesAlone = <A>(input: unknown, check: (input: unknown) => A): A => {
  const before = snapshot(input)
  const answer = check(input)
  expect(snapshot(input)).toStrictEqual(before)
  return answer
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const fresh = <A>(make: () => A): fc.Arbitrary<A> => fc.constant(null).map(make)

/** Values of every odd kind a field may be set to. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    "",
    "   ",
    "42",
    " 12.5 ",
    "-1e2",
    "+.5",
    "5.",
    "1e400",
    "0x1F",
    "NaN",
    "Infinity",
    "abc",
    "2026-04-22T10:30:00Z",
    "2026-04",
    "2026-13-45",
    "rep@example.com",
    "not an email",
    "call",
    "email",
    "inbound",
    "__proto__",
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1,
    1.5,
    -3,
    true,
    false
  ),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fresh(() => ({})),
  fresh(() => []),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.date(),
  fresh(() => new Date(Number.NaN)),
  fc.integer({ min: 0, max: 2_000_000_000_000 }).map((millis) => DateTime.unsafeMake(millis)),
  fresh(() => DateTime.unsafeMakeZoned(0, { timeZone: "Europe/Paris" }))
)

type Op = "delete" | "set" | "symbol" | "proto" | "hidden" | "inherit" | "nullProto" | "replace" | "hole" | "empty"

interface Mutation {
  readonly path: ReadonlyArray<number>
  readonly op: Op
  readonly key: string
  readonly value: unknown
}

/** Every property name a schema mentions, at any depth: mutations aim at them. */
const namesOf = (ast: AST.AST, seen = new Set<AST.AST>(), names = new Set<string>()): Set<string> => {
  if (seen.has(ast)) return names
  seen.add(ast)
  switch (ast._tag) {
    case "TypeLiteral":
      for (const ps of ast.propertySignatures) {
        if (typeof ps.name === "string") names.add(ps.name)
        namesOf(ps.type, seen, names)
      }
      for (const is of ast.indexSignatures) namesOf(is.type, seen, names)
      break
    case "Union":
      ast.types.forEach((member) => namesOf(member, seen, names))
      break
    case "TupleType":
      ast.elements.forEach((element) => namesOf(element.type, seen, names))
      ast.rest.forEach((rest) => namesOf(rest.type, seen, names))
      break
    case "Refinement":
      namesOf(ast.from, seen, names)
      break
    case "Transformation":
      namesOf(ast.from, seen, names)
      namesOf(ast.to, seen, names)
      break
  }
  return names
}

const mutation = (names: ReadonlyArray<string>): fc.Arbitrary<Mutation> =>
  fc.record({
    path: fc.array(fc.nat(), { maxLength: 4 }),
    op: fc.constantFrom<Op>(
      "delete",
      "set",
      "set",
      "set",
      "symbol",
      "proto",
      "hidden",
      "inherit",
      "nullProto",
      "replace",
      "hole",
      "empty"
    ),
    key: names.length > 0
      ? fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 5 }))
      : fc.string({ maxLength: 5 }),
    value: odd
  })

const isContainer = (value: unknown): value is Record<PropertyKey, unknown> =>
  typeof value === "object" && value !== null && !(value instanceof Date) && !DateTime.isDateTime(value)

/** A deep copy of what the generators make (plain objects, arrays, dates; `DateTime`s are immutable). */
const copy = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(copy)
  if (value instanceof Date) return new Date(value.getTime())
  if (isContainer(value)) {
    const out: Record<PropertyKey, unknown> = Object.create(Object.getPrototypeOf(value))
    for (const key of Reflect.ownKeys(value)) {
      Object.defineProperty(out, key, { ...Object.getOwnPropertyDescriptor(value, key)!, value: copy(value[key]) })
    }
    return out
  }
  return value
}

/** Applies one mutation at the node its path leads to (the root if the path leads nowhere). */
const mutate = (root: unknown, m: Mutation): unknown => {
  let node = root
  let parent: Record<PropertyKey, unknown> | undefined
  let parentKey: PropertyKey = ""
  for (const step of m.path) {
    if (!isContainer(node)) break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    parent = node
    parentKey = keys[step % keys.length]!
    node = node[parentKey]
  }
  const put = (value: unknown) => {
    if (parent === undefined) return value
    parent[parentKey] = value
    return root
  }
  if (!isContainer(node) || m.op === "replace") return put(m.value)
  const keys = Object.keys(node)
  switch (m.op) {
    case "delete": {
      const key = keys.includes(m.key) ? m.key : keys[0]
      if (key === undefined) return root
      if (Array.isArray(node)) node.splice(Number(key), 1)
      else delete node[key]
      return root
    }
    case "set":
      node[m.key] = m.value
      return root
    case "symbol":
      node[Symbol("extra")] = m.value
      return root
    case "proto":
      Object.defineProperty(node, "__proto__", { value: m.value, enumerable: true, writable: true, configurable: true })
      return root
    case "hidden":
      Object.defineProperty(node, m.key, { value: m.value, enumerable: false, writable: true, configurable: true })
      return root
    case "inherit": {
      if (Array.isArray(node)) return root
      const child = Object.create({ [m.key]: m.value })
      for (const key of Reflect.ownKeys(node)) {
        Object.defineProperty(child, key, Object.getOwnPropertyDescriptor(node, key)!)
      }
      return put(child)
    }
    case "nullProto": {
      if (Array.isArray(node)) return root
      return put(Object.assign(Object.create(null), node))
    }
    case "empty":
      if (Array.isArray(node)) node.length = 0
      else for (const key of keys) delete node[key]
      return root
    case "hole":
      if (Array.isArray(node)) {
        if (node.length > 0 && m.key.length % 2 === 0) delete node[0]
        else node.length += 1
      }
      return root
  }
  return root
}

/** Values from `valid`, each changed by one to three mutations aimed at the names `schema` mentions. */
export const mutated = (valid: fc.Arbitrary<unknown>, schema: Schema.Schema.Any): fc.Arbitrary<unknown> => {
  const names = [...namesOf(schema.ast)]
  return fc.tuple(valid, fc.array(mutation(names), { minLength: 1, maxLength: 3 }))
    .map(
      ([value, mutations]) => mutations.reduce(mutate, copy(value))
    )
}

export const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }),
  fc.jsonValue({ maxDepth: 2 }),
  odd
)

// ---------------------------------------------------------------------------------------------
// Realistic values
// ---------------------------------------------------------------------------------------------

export const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,15}$/)
export const domain = fc.tuple(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/),
  fc.constantFrom("com", "io", "co.uk", "de")
)
  .map(([name, tld]) => `${name}.${tld}`)
export const isoText = fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }).map((
  d
) => d.toISOString())
const fieldKey = fc.constantFrom("industry", "employees", "tier", "regions", "is_customer", "arr", "owner")
const customFieldValue = fc.oneof(
  word,
  fc.integer({ min: -1_000, max: 1_000_000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(word, fc.integer()), { maxLength: 3 })
)
export const customFields = fc.dictionary(fieldKey, customFieldValue, { maxKeys: 4 })
