/**
 * Samples the main thread with the inspector while `fn` runs and prints,
 * per call, the busy time and the inclusive time of the hottest frames
 * (`.cpuprofile` written beside, for Chrome DevTools).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

export async function profileCalls(name: string, calls: number, fn: () => Promise<void>, top = 30): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  await fn();
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();
  const file = `${name}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const perSample = (profile.endTime - profile.startTime) / profile.samples.length;
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    busy++;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
    }
  }
  const us = (samples: number): string => ((samples * perSample) / calls).toFixed(1).padStart(9);
  console.log(`${name}: ${us(busy)} us busy per call of ${((profile.endTime - profile.startTime) / calls).toFixed(1)} us wall (${file})`);
  for (const [key, samples] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${us(samples)} us  ${key}`);
}
