/**
 * Load that costs its sender little: HTTP/1.1 requests encoded once, written on raw kept-alive TCP
 * sockets, their answers read by status line and headers only (never parsed as JSON). The gateway's
 * saturation row needs a sender that can ask a one-core gateway for twice what it serves from one core of
 * its own; node:http pays for a request object, a parser and events per request.
 *
 * - `closedLoop`: each connection sends its next request when the previous answer arrives (capacity).
 * - `openLoop`: requests written at a fixed rate whatever the answers do, pipelined on the connections
 *   in turn, so that nothing queues in the sender: what the gateway has not read waits in the kernel's
 *   socket queues (and, once they are full, in the sockets' write buffers, counted), as it would with
 *   many callers. Latency is measured from when each request was due.
 */
import { connect, type Socket } from 'node:net';

/** One answer as the sender reads it: its status and whether it carried a Retry-After header. */
export interface RawAnswer {
  status: number;
  retryAfter: boolean;
}

/** Requests encoded once: request line, headers and body in one buffer each. */
export function encodeRequests(address: string, path: string, bodies: string[]): Buffer[] {
  const { host } = new URL(address);
  return bodies.map((body) => {
    const bytes = Buffer.from(body);
    const head =
      `POST ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n` +
      `content-length: ${bytes.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
  });
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** A kept-alive connection: requests pipelined on it are answered in order (HTTP/1.1). */
class PipelinedConnection {
  private waiting: Array<(answer: RawAnswer) => void> = [];
  private next = 0;
  private unread: Buffer = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        // Requests the gateway never answered: status 0.
        for (const answer of this.waiting.slice(this.next)) answer({ status: 0, retryAfter: false });
        this.waiting = [];
        this.next = 0;
        resolve();
      }),
    );
    socket.on('error', () => {}); // 'close' follows
  }

  /** Writes the request (buffered by the socket if the gateway does not read); `answered` runs on its answer. */
  send(request: Buffer, answered: (answer: RawAnswer) => void): void {
    this.waiting.push(answered);
    this.socket.write(request);
  }

  /** Bytes written but not yet taken by the kernel: what the gateway left unread past the socket queues. */
  get unsent(): number {
    return this.socket.writableLength;
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private read(chunk: Buffer): void {
    this.unread = this.unread.length === 0 ? chunk : Buffer.concat([this.unread, chunk]);
    for (;;) {
      const headEnd = this.unread.indexOf(HEAD_END);
      if (headEnd < 0) return;
      const head = this.unread.toString('latin1', 0, headEnd);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) {
        // The gateway answers with a Content-Length; anything else cannot be framed here.
        this.socket.destroy(new Error(`an answer without content-length: ${head.slice(0, 200)}`));
        return;
      }
      const end = headEnd + HEAD_END.length + Number(length[1]);
      if (this.unread.length < end) return;
      this.unread = this.unread.subarray(end);
      const answered = this.waiting[this.next++];
      if (this.next > 1024) {
        this.waiting = this.waiting.slice(this.next);
        this.next = 0;
      }
      answered?.({ status: Number(head.slice(9, 12)), retryAfter: /\r\nretry-after:/i.test(head) });
    }
  }
}

export async function openConnections(address: string, count: number): Promise<PipelinedConnection[]> {
  const { hostname, port } = new URL(address);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<PipelinedConnection>((resolve, reject) => {
          const socket = connect({ host: hostname, port: Number(port) }, () => {
            socket.off('error', reject);
            resolve(new PipelinedConnection(socket));
          });
          socket.once('error', reject);
        }),
    ),
  );
}

/** What one answer tells a loop: its request's index, status, Retry-After, and when it came. */
export type Recorder = (i: number, answer: RawAnswer, latencyMs: number, answeredAt: number) => void;

/**
 * `depth` requests open on each connection (pipelined): each sends the next when one is answered. A depth
 * above 1 keeps the gateway's socket queues from running dry while the sender waits for its cpu.
 */
export async function closedLoop(
  connections: PipelinedConnection[],
  requests: Buffer[],
  first: number,
  count: number,
  depth: number,
  record: Recorder,
): Promise<void> {
  let next = 0;
  const senders = connections.flatMap((connection) => Array.from({ length: depth }, () => connection));
  await Promise.all(
    senders.map(async (connection) => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        const answer = await new Promise<RawAnswer>((resolve) =>
          connection.send(requests[(first + i) % requests.length]!, resolve),
        );
        const now = performance.now();
        record(i, answer, now - start, now);
        if (answer.status === 0) return; // the connection closed
      }
    }),
  );
}

/** How the open loop kept its schedule. */
export interface Schedule {
  /** performance.now() when the last request was due. */
  endedAt: number;
  /** Requests written per second, from the first write to the last. */
  writtenPerSecond: number;
  /** How late requests were written after they were due (ms), sorted ascending. */
  writeLagsMs: number[];
  /** Most bytes left in the sockets' write buffers at once (the gateway not reading). */
  mostUnsentBytes: number;
}

/**
 * `rate` requests per second, written on the connections in turn at their due time whatever the answers
 * do. `scheduled` settles when the last request is written; the returned promise when every request has
 * an answer, or `answersWithinMs` after the last was due (the rest are answered status 0).
 */
export async function openLoop(
  connections: PipelinedConnection[],
  requests: Buffer[],
  first: number,
  count: number,
  rate: number,
  record: Recorder,
  answersWithinMs: number,
  scheduled: (schedule: Schedule) => void = () => {},
): Promise<Schedule> {
  const intervalMs = 1000 / rate;
  const writeLagsMs: number[] = new Array(count);
  let answers = 0;
  let mostUnsentBytes = 0;
  let allAnswered: () => void = () => {};
  const answered = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  const start = performance.now();
  let next = 0;
  let lastWriteAt = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (const connection of connections) connection.cork();
      while (next < count && start + next * intervalMs <= now) {
        const i = next++;
        const due = start + i * intervalMs;
        writeLagsMs[i] = now - due;
        connections[i % connections.length]!.send(requests[(first + i) % requests.length]!, (answer) => {
          const at = performance.now();
          record(i, answer, at - due, at);
          if (++answers === count) allAnswered();
        });
      }
      for (const connection of connections) connection.uncork();
      lastWriteAt = now;
      let unsent = 0;
      for (const connection of connections) unsent += connection.unsent;
      mostUnsentBytes = Math.max(mostUnsentBytes, unsent);
      if (next < count) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
      else resolve();
    };
    tick();
  });
  const schedule: Schedule = {
    endedAt: start + (count - 1) * intervalMs,
    writtenPerSecond: count / (Math.max(lastWriteAt - start, intervalMs) / 1000),
    writeLagsMs: writeLagsMs.sort((a, b) => a - b),
    mostUnsentBytes,
  };
  scheduled(schedule);
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, answersWithinMs).unref());
  await Promise.race([answered, deadline]);
  await Promise.all(connections.map((connection) => connection.close()));
  return schedule;
}
