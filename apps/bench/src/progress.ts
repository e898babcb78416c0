/**
 * One progress line on stderr: rewritten in place on a terminal, one line
 * per step otherwise (CI logs), so stdout stays the tables alone.
 */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private width = 0;

  update(text: string): void {
    if (this.tty) {
      const pad = Math.max(0, this.width - text.length);
      process.stderr.write(`\r${text}${' '.repeat(pad)}`);
      this.width = text.length;
    } else {
      process.stderr.write(`${text}\n`);
    }
  }

  /** Clears the line before the tables are printed. */
  done(): void {
    if (this.tty && this.width > 0) process.stderr.write(`\r${' '.repeat(this.width)}\r`);
    this.width = 0;
  }
}
