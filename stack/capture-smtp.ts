import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** A running capture SMTP server. */
export interface CaptureSmtp {
  port: number;
  close: () => Promise<void>;
}

/**
 * An SMTP server on loopback that accepts every message and keeps it as an `.eml` file
 * in `dir`, for the outbox view and for tests that count what was really sent. Files
 * are written under a temporary name and renamed, so a reader never sees half a message.
 */
export async function startCaptureSmtp(options: { dir: string; port: number; host?: string }): Promise<CaptureSmtp> {
  await mkdir(options.dir, { recursive: true });
  let sequence = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${(sequence++).toString().padStart(6, '0')}.eml`;
        const envelope = `X-Capture-Envelope-To: ${session.envelope.rcptTo.map((r) => r.address).join(', ')}\r\n`;
        const file = path.join(options.dir, name);
        writeFile(`${file}.tmp`, Buffer.concat([Buffer.from(envelope), ...chunks]))
          .then(() => rename(`${file}.tmp`, file))
          .then(
            () => callback(),
            (error: Error) => callback(error),
          );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
