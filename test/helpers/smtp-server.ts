/**
 * A real SMTP server in the test process (smtp-server on port 0), keeping each message it
 * accepts as mailparser reads it, or refusing every recipient, as a server that will not
 * take the mail does.
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope: MAIL FROM and RCPT TO. */
  envelope: { from: string; to: string[] };
  /** The user the client signed in as, if it did. */
  user: string | null;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  /** Every message accepted, in order. */
  received: ReceivedMail[];
  /** How many times a client has tried to name a recipient. */
  recipientsTried(): number;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Refuses every recipient with this reply (e.g. `550 No such user`). */
  refuse?: { code: number; message: string };
  /** Requires AUTH with this user and password. */
  auth?: { user: string; pass: string };
}

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let recipients = 0;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to trust, as with a local catcher like Mailpit.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      if (!ok) return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      recipients += 1;
      if (!options.refuse) return callback();
      callback(
        Object.assign(new Error(options.refuse.message), { responseCode: options.refuse.code }),
      );
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            user: typeof session.user === 'string' ? session.user : null,
            parsed,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the SMTP server has no port');
  return {
    port: address.port,
    received,
    recipientsTried: () => recipients,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
