// Stored data damaged beyond what a crash leaves: start-up stops with this error's
// sentence, which says what is damaged and how to recover.
export class DamagedData extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DamagedData";
  }
}
