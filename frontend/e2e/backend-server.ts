// Starts the real backend for browser tests: a free port, a fresh temporary data dir, the
// static export from ../out, fast bcrypt, no rate limits (every test signs up from 127.0.0.1)
// unless a test's `backendEnv` sets one.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const FRONTEND_DIR = path.resolve(__dirname, "..");
// Relative to this checkout, so a fresh clone anywhere works.
const BACKEND_DIR = path.resolve(process.env.BACKEND_DIR ?? path.join(FRONTEND_DIR, "..", "backend"));
const PYTHON = process.env.BACKEND_PYTHON ?? path.join(BACKEND_DIR, ".venv", "bin", "python");
const READY_TIMEOUT_MS = 30_000;

export const ADMIN = { username: "admin", password: "admin-password-e2e" };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BackendServer {
  private process: ChildProcess | null = null;
  private log: WriteStream | null = null;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly logPath: string,
    /** Settings over the defaults below (e.g. `MESSAGE_RATE_LIMIT: "2/10s"`). */
    readonly env: Readonly<Record<string, string>> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(env: Readonly<Record<string, string>> = {}): Promise<BackendServer> {
    if (!existsSync(PYTHON)) {
      throw new Error(`No backend interpreter at ${PYTHON}: set up the backend first (make run / make test does).`);
    }
    if (!existsSync(path.join(FRONTEND_DIR, "out", "index.html"))) {
      throw new Error("No static export in frontend/out: run `npm run build` first.");
    }
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), "chat-e2e-"));
    const logPath = path.join(FRONTEND_DIR, "test-results", `backend-${port}.log`);
    const server = new BackendServer(port, dataDir, logPath, env);
    try {
      await server.launch();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Starts the process on the same port and data dir (again, after `kill`). */
  async launch(): Promise<void> {
    this.log ??= createWriteStream(this.logPath, { flags: "a" });
    const child = spawn(PYTHON, ["-m", "app.server"], {
      cwd: BACKEND_DIR,
      env: {
        ...process.env,
        DATA_DIR: this.dataDir,
        HOST: "127.0.0.1",
        PORT: String(this.port),
        FRONTEND_DIR: path.join(FRONTEND_DIR, "out"),
        BCRYPT_ROUNDS: "4",
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        SIGNUP_RATE_LIMIT: "0",
        LOGIN_RATE_LIMIT: "0",
        MESSAGE_RATE_LIMIT: "0",
        EDIT_RATE_LIMIT: "0",
        REACTION_RATE_LIMIT: "0",
        ROOM_RATE_LIMIT: "0",
        INVITE_RATE_LIMIT: "0",
        READ_MARKER_RATE_LIMIT: "0",
        // Presence announcements are held back for one grace period after a start (so a
        // restart does not flood rooms with joins); keep that window short for the tests.
        PRESENCE_GRACE_SECONDS: "1",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.process = child;
    await this.waitUntilReady(child);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`Backend exited with ${child.exitCode}:\n${this.logTail()}`);
      }
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`Backend not ready after ${READY_TIMEOUT_MS} ms:\n${this.logTail()}`);
  }

  private logTail(): string {
    try {
      return readFileSync(this.logPath, "utf8").split("\n").slice(-30).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Stops the process: SIGKILL simulates a crash, SIGTERM a clean shutdown. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) {
      child.kill("SIGKILL");
      await exited;
    }
  }

  async restart(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.kill(signal);
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.kill("SIGTERM");
    this.log?.end();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
