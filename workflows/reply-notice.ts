import type { ReplyNoticeInput } from '../domain/replies.ts';
import { sends } from './activities.ts';

/**
 * Tells a lead's owner about a reply: one activity, in a workflow of its own (started by
 * reply intake, id per reply), so the lead's lifecycle workflow is not changed and the
 * notice is retried, and sent once, like every other notice.
 */
export async function replyNotice(input: ReplyNoticeInput): Promise<void> {
  await sends.notifyReply(input);
}
