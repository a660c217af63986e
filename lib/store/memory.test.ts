// The embedded MemoryStore against the Store contract every backend passes.
import { MemoryStore } from "./memory";
import { describeStore } from "./store.contract";

describeStore("MemoryStore", () => new MemoryStore());
