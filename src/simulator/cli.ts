#!/usr/bin/env node
/**
 * `effect-recotap-simulator`: the Recotap simulator as a local HTTP server, for tests in any language.
 *
 *   effect-recotap-simulator [--port 4010] [--host 127.0.0.1] [--key KEY]... [--revision crm|external]
 *                            [--profile reference|observed] [--read-lag-ms N] [--demo]
 *
 * @module
 */
import { parseArgs } from "node:util"
import { demoAccounts, demoCustomFields, demoScores, demoSegments } from "./demoData.js"
import { DEFAULT_SIMULATOR_KEY, Simulator } from "./Simulator.js"
import { listen } from "./SimulatorServer.js"

const usage = `Usage: effect-recotap-simulator [options]

  --port N          port to listen on (default 4010; 0 = any free port)
  --host HOST       address to bind (default 127.0.0.1)
  --key KEY         an API key to accept (repeatable; default "${DEFAULT_SIMULATOR_KEY}")
  --revision NAME   crm (default: /api/v1/crm) or external (/api/v1)
  --profile NAME    reference (default: as the docs describe the service) or observed (as the
                    live service was seen: whole-second times, a read lag, flat error bodies, ...)
  --read-lag-ms N   how long an account write takes to show in GET /accounts
                    (default 1000 with --profile observed, else 0)
  --demo            start with sample accounts, scores, segments and custom fields
  --help            show this help`

const main = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      key: { type: "string", multiple: true },
      revision: { type: "string", default: "crm" },
      profile: { type: "string", default: "reference" },
      "read-lag-ms": { type: "string" },
      demo: { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    }
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0 to 65535, not ${values.port}`)
  }
  if (values.revision !== "crm" && values.revision !== "external") {
    throw new Error(`--revision must be crm or external, not ${values.revision}`)
  }
  if (values.profile !== "reference" && values.profile !== "observed") {
    throw new Error(`--profile must be reference or observed, not ${values.profile}`)
  }
  const lag = values["read-lag-ms"]
  if (lag !== undefined && !/^\d+$/.test(lag)) {
    throw new Error(`--read-lag-ms must be a whole number of milliseconds, not ${lag}`)
  }
  const keys = values.key ?? [DEFAULT_SIMULATOR_KEY]
  const simulator = new Simulator({
    keys,
    revision: values.revision,
    profile: values.profile,
    ...(lag === undefined ? {} : { readLagMillis: Number(lag) }),
    clock: "system"
  })
  if (values.demo) {
    simulator.seedCustomFields(demoCustomFields)
    simulator.seedAccounts(demoAccounts)
    simulator.seedSegments(demoSegments)
    for (const [domain, scores] of demoScores) simulator.setScores(domain, scores)
  }
  const server = await listen(simulator, { host: values.host, port })
  console.log(`Recotap simulator listening on ${server.baseUrl}`)
  console.log(`Accepted keys: ${values.key === undefined ? DEFAULT_SIMULATOR_KEY : `${keys.length} given with --key`}`)
  console.log(
    `Profile: ${simulator.profile} (account writes show in GET /accounts after ${simulator.readLagMillis} ms)`
  )
  const stop = () => void server.close().then(() => process.exit(0))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  console.error(usage)
  process.exit(1)
})
