/**
 * Lead ids kept 16 bytes each (a string would cost about 60): an import holds the id of every
 * lead it wrote until the commit, when their workflows start.
 */
export class LeadIdList {
  private readonly chunks: Buffer[] = [];
  private current = Buffer.alloc(16 * 4096);
  private used = 0;

  /** Adds a UUID in its text form. */
  push(id: string): void {
    if (this.used === this.current.length) {
      this.chunks.push(this.current);
      this.current = Buffer.alloc(this.current.length);
      this.used = 0;
    }
    this.current.write(id.replace(/-/g, ''), this.used, 16, 'hex');
    this.used += 16;
  }

  /** Every id pushed, in order, in the text form. */
  *values(): Generator<string> {
    for (const chunk of [...this.chunks, this.current.subarray(0, this.used)]) {
      for (let at = 0; at < chunk.length; at += 16) {
        const hex = chunk.toString('hex', at, at + 16);
        yield `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      }
    }
  }
}
