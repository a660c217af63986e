// The optional notification sound: off unless the person turns it on (kept in this
// browser), a short tone made with the Web Audio API so that no file is fetched.
const KEY = "livechat:notification-sound";
const listeners = new Set<() => void>();

export function soundOn(): boolean {
  try {
    return localStorage.getItem(KEY) === "on";
  } catch {
    return false;
  }
}

export function setSound(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, "on");
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the choice lasts as long as nothing reads it again.
  }
  for (const listener of listeners) listener();
}

/** For useSyncExternalStore: told when the choice changes in this page. */
export function subscribeSound(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** A short, quiet tone. */
export function chime(): void {
  if (typeof AudioContext === "undefined") return;
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = 880;
  volume.gain.setValueAtTime(0.15, audio.currentTime);
  volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
  tone.connect(volume).connect(audio.destination);
  tone.onended = () => void audio.close();
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}
