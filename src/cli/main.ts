#!/usr/bin/env node
/**
 * `effect-recotap`: first contact with Recotap from a shell.
 *
 *   effect-recotap check [--base-url URL] [--key-env NAME] [--timeout SECONDS]
 *   effect-recotap conformance [--base-url URL] [--revision crm|external] [--sandbox] [--key-env NAME]
 *   effect-recotap [command] --help | --version
 *
 * @module
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import { runCli } from "../internal/cli/run.js"

Effect.runPromise(runCli(process.argv.slice(2), process.env).pipe(Effect.provide(FetchHttpClient.layer))).then(
  (exitCode) => {
    process.exitCode = exitCode
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 70
  }
)
