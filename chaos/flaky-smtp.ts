import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the sink accepted (answered 250), with what the ledger matches on. */
export interface AcceptedMessage {
  messageId: string;
  recipient: string;
  subject: string;
  atMs: number;
}

/** How often each fault happens, per DATA command (0 to 1); the rest are answered at once. */
export interface FaultRates {
  /** `421` after the whole message was read: a temporary refusal, to be retried. */
  tempFail: number;
  /** The connection is cut while the message is being sent, before any answer. */
  dropMidData: number;
  /** The answer comes after `slowMs`. */
  slow: number;
  slowMs: number;
}

/** A running sink. */
export interface FlakySmtp {
  url: string;
  accepted: AcceptedMessage[];
  /** Faults injected so far, by kind; `refused550` counts RCPT TO refusals. */
  faults: { tempFail: number; dropMidData: number; slow: number; refused550: number };
  stop: () => Promise<void>;
}

/** A deterministic pseudo-random sequence (mulberry32), so a run's faults can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A header's value in a raw message head (unfolded), or '' when absent. */
export function headerOf(head: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/**
 * An SMTP server on loopback that misbehaves like a real one on a bad day: it refuses
 * recipients whose address starts with `bounce-` with 550 (permanent), and per message it
 * answers 421, cuts the connection mid-DATA, or answers slowly, at the given rates. Only
 * messages answered 250 are recorded: those are the ones a real server took responsibility for.
 */
export async function startFlakySmtp(options: { port: number; rates: FaultRates; seed: number }): Promise<FlakySmtp> {
  const random = seededRandom(options.seed);
  const accepted: AcceptedMessage[] = [];
  const faults = { tempFail: 0, dropMidData: 0, slow: 0, refused550: 0 };
  const { rates } = options;
  const server: SMTPServer = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      if (address.address.toLowerCase().startsWith('bounce-')) {
        faults.refused550++;
        return callback(Object.assign(new Error('5.1.1 mailbox does not exist'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const roll = random();
      const chunks: Buffer[] = [];
      if (roll < rates.dropMidData) {
        faults.dropMidData++;
        // Cut on the first chunk: the client has started DATA and gets no answer at all.
        stream.once('data', () => socketOf(server, session)?.destroy());
        stream.resume();
        return;
      }
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (roll < rates.dropMidData + rates.tempFail) {
          faults.tempFail++;
          return callback(Object.assign(new Error('4.3.2 try again later'), { responseCode: 421 }));
        }
        const answer = () => {
          const head =
            Buffer.concat(chunks)
              .subarray(0, 8192)
              .toString('latin1')
              .split(/\r?\n\r?\n/)[0] ?? '';
          accepted.push({
            messageId: headerOf(head, 'Message-ID'),
            recipient: session.envelope.rcptTo[0]?.address ?? '',
            subject: headerOf(head, 'Subject'),
            atMs: Date.now(),
          });
          callback();
        };
        if (roll < rates.dropMidData + rates.tempFail + rates.slow) {
          faults.slow++;
          setTimeout(answer, rates.slowMs);
        } else answer();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  // A client cut off mid-DATA makes the server emit errors on its connection: expected here.
  server.on('error', () => {});
  let stopping: Promise<void> | undefined;
  return {
    url: `smtp://127.0.0.1:${options.port}`,
    accepted,
    faults,
    stop: () => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

// smtp-server gives onData the session, not the socket; its connections carry the session's id.
function socketOf(server: SMTPServer, session: SMTPServerSession): { destroy: () => void } | undefined {
  const connections = (server as unknown as { connections: Set<{ id: string; _socket?: { destroy: () => void } }> })
    .connections;
  for (const connection of connections) if (connection.id === session.id) return connection._socket;
  return undefined;
}
