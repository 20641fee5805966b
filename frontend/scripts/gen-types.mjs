// Generates lib/generated/api.ts and lib/generated/frames.ts from the backend's two documents
// (its /openapi.json and /api/v1/ws-schema, exported without a server by
// backend/scripts/export_schemas.py), with openapi-typescript.
//
//   npm run gen:types     writes both files (commit them)
//   npm run check:types   generates into a temporary folder and fails, with a diff, when the
//                         committed files differ (part of `npm test`)
//
// BACKEND_PYTHON names the backend's Python (default: ../backend/.venv/bin/python).
//
// Both documents go through openapi-typescript; the frame schema (JSON Schema: its models under
// $defs, the two unions under properties.client and properties.server) is first wrapped in an
// OpenAPI document, so each frame is a named type (Hello, MessageFrame, ErrorFrame, ...) and so
// are the ClientFrame and ServerFrame unions. What the documents mean, not any field list, fills
// the gaps in them:
// - Successful HTTP answers carry every field of their response model, so all of them are
//   required, though openapi.json leaves the ones with a default out of `required`.
// - The models the frames share with the HTTP API (the same Pydantic classes: RoomOut,
//   MessageOut, UserPublic, ...) are the HTTP API's types, imported from api.ts: a message from
//   a frame and one from a REST answer are one type.
// - A frame's discriminator (`type`) is required (openapi-typescript does this for every member
//   of a discriminated union); its other fields with a default stay optional (`retry_after` is
//   indeed absent from error frames that are not about a rate limit).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import openapiTS, { astToString, oapiRef } from "openapi-typescript";

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BACKEND = resolve(FRONTEND, "../backend");
const PYTHON = process.env.BACKEND_PYTHON ?? join(BACKEND, ".venv/bin/python");
const OUT = join(FRONTEND, "lib/generated");
/** Marks a reference to a model of openapi.json in the frame schema. */
const SHARED = "x-api-schema";

const header = (source) =>
  [
    "// GENERATED FILE, do not edit. Made by `npm run gen:types` (frontend/scripts/gen-types.mjs)",
    `// with openapi-typescript from the backend's ${source}, as exported by`,
    "// backend/scripts/export_schemas.py. Change the backend, then run `npm run gen:types`;",
    "// `npm run check:types` (in `npm test`) fails while this file is out of date.",
    "",
    "",
  ].join("\n");

/** Runs the backend's exporter; returns its two documents. */
function exportSchemas() {
  const dir = mkdtempSync(join(tmpdir(), "chat-schemas-"));
  try {
    const run = spawnSync(PYTHON, [join(BACKEND, "scripts/export_schemas.py"), dir], {
      cwd: BACKEND,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (run.error) throw new Error(`cannot run ${PYTHON} (set BACKEND_PYTHON): ${run.error.message}`);
    if (run.status !== 0) throw new Error(`backend/scripts/export_schemas.py failed (exit ${run.status})`);
    const read = (name) => JSON.parse(readFileSync(join(dir, name), "utf8"));
    return { openapi: read("openapi.json"), frames: read("ws-schema.json") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The names of the component schemas `value` refers to, directly or through other schemas. */
function schemasUsedBy(value, schemas, found = new Set()) {
  if (Array.isArray(value)) value.forEach((item) => schemasUsedBy(item, schemas, found));
  else if (value !== null && typeof value === "object") {
    const name = typeof value.$ref === "string" ? value.$ref.split("/").at(-1) : undefined;
    if (name !== undefined && !found.has(name)) {
      found.add(name);
      schemasUsedBy(schemas[name], schemas, found);
    }
    Object.values(value).forEach((inner) => schemasUsedBy(inner, schemas, found));
  }
  return found;
}

/** openapi.json with every field of a schema only successful answers use marked required:
 *  FastAPI sends all of a response model's fields, though the document leaves out of `required`
 *  those with a default (`default=None`, `default_factory`). Schemas requests use, and those of
 *  error answers (written by exception handlers, not from a response model), are left as they are. */
function answersComplete(openapi) {
  const schemas = structuredClone(openapi.components.schemas);
  const operations = Object.values(openapi.paths).flatMap((item) => Object.values(item));
  const successes = operations.flatMap((op) => Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith("2")));
  const answers = schemasUsedBy(successes, schemas);
  const requests = schemasUsedBy(operations.map((op) => [op.requestBody, op.parameters]), schemas);
  for (const name of answers) {
    if (requests.has(name) || !schemas[name].properties) continue;
    schemas[name].required = Object.keys(schemas[name].properties);
  }
  return { ...openapi, components: { ...openapi.components, schemas } };
}

/** Every `#/$defs/X` reference (in $ref and in discriminator mappings) as `#/components/schemas/X`. */
function moveRefs(value) {
  if (Array.isArray(value)) return value.map(moveRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      typeof inner === "string" && inner.startsWith("#/$defs/") ? `#/components/schemas/${inner.slice(8)}` : moveRefs(inner),
    ]),
  );
}

/** Marks each reference to a model the frames share with the HTTP API, for `transform` below. */
function markShared(value, shared) {
  if (Array.isArray(value)) return value.map((item) => markShared(item, shared));
  if (value === null || typeof value !== "object") return value;
  const name = typeof value.$ref === "string" ? value.$ref.split("/").at(-1) : undefined;
  if (name !== undefined && shared.has(name)) return { type: "object", [SHARED]: name };
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, markShared(inner, shared)]));
}

/** The frame schema as an OpenAPI document whose schemas are the frames and the two unions;
 *  the models it shares with openapi.json (same name, same Pydantic class) are left out. */
function framesDocument(frames, openapi) {
  const shared = new Set(Object.keys(frames.$defs).filter((name) => name in openapi.components.schemas));
  const own = Object.fromEntries(Object.entries(frames.$defs).filter(([name]) => !shared.has(name)));
  const schemas = markShared(
    moveRefs({ ...own, ClientFrame: frames.properties.client, ServerFrame: frames.properties.server }),
    shared,
  );
  return {
    openapi: "3.1.0",
    info: { title: frames.title ?? "WebSocket frames", version: "1" },
    paths: {},
    components: { schemas },
  };
}

async function generate(outDir) {
  const exported = exportSchemas();
  const openapi = answersComplete(exported.openapi);
  const frames = exported.frames;
  const api = await openapiTS(openapi, { silent: true, defaultNonNullable: false });
  const frameTypes = await openapiTS(framesDocument(frames, openapi), {
    silent: true,
    defaultNonNullable: false,
    rootTypes: true,
    rootTypesNoSchemaPrefix: true,
    inject: 'import type { components as Api } from "./api";\n',
    // A shared model is the HTTP API's type: a message from a frame is a message from a REST answer.
    transform: (schema) => (schema[SHARED] ? oapiRef(`#/Api/schemas/${schema[SHARED]}`) : undefined),
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "api.ts"), header("/openapi.json") + astToString(api));
  writeFileSync(join(outDir, "frames.ts"), header("/api/v1/ws-schema") + astToString(frameTypes));
}

async function check() {
  const dir = mkdtempSync(join(tmpdir(), "chat-types-"));
  try {
    await generate(dir);
    let stale = false;
    for (const name of ["api.ts", "frames.ts"]) {
      const committed = join(OUT, name);
      const diff = spawnSync("diff", ["-u", "--label", `lib/generated/${name} (committed)`, "--label", `lib/generated/${name} (generated)`, committed, join(dir, name)], {
        encoding: "utf8",
      });
      if (diff.status === 0) continue;
      stale = true;
      process.stdout.write(diff.stdout || diff.stderr || `lib/generated/${name} differs\n`);
    }
    if (stale) {
      console.error("\nThe generated API types are out of date with the backend: run `npm run gen:types` and commit the result.");
      process.exitCode = 1;
    } else {
      process.stdout.write("lib/generated/ is up to date with the backend's schemas.\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  if (process.argv.includes("--check")) await check();
  else await generate(OUT);
} catch (error) {
  console.error(`gen-types: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
