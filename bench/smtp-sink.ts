import { SMTPServer } from 'smtp-server';

/** A running SMTP sink: what it has received so far, and how to stop it. */
export interface SmtpSink {
  url: string;
  /** Messages accepted (answered 250) since start. */
  messages: () => number;
  /** Bytes of those messages, as they came off the wire (after dot-unstuffing). */
  bytes: () => number;
  /** Stops listening and closes open connections within a second; safe to call more than once. */
  stop: () => Promise<void>;
}

/**
 * An SMTP server on loopback that accepts every message, reads it to the end, counts it
 * and answers OK: no file, no parsing, so the server costs as little as it can per message
 * and both send paths pay it equally. It runs in the bench's own process (and event loop).
 */
export async function startSmtpSink(port: number): Promise<SmtpSink> {
  let messages = 0;
  let bytes = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    // The pools' idle connections are still open when the bench stops on an error or Ctrl-C:
    // close them after a second rather than the default 30.
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      stream.on('end', () => {
        messages++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => messages,
    bytes: () => bytes,
    stop: () => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
