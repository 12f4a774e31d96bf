import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';

type Simulation = Parameters<typeof runSimulation>[0];
type SimulationResult = Awaited<ReturnType<typeof runSimulation>>;

/** Distinct simulations remembered (a provisioning asks a few hundred; a fleet a few thousand). */
const LIMIT = 4_000;
const results = new Map<string, Promise<SimulationResult>>();

/**
 * `runSimulation` of `@cloud-copilot/iam-simulate`, remembered per process. A simulation is a pure
 * function of its input (policies, principal, action, resource, context; the Service Authorization
 * Reference is fixed), and the same request is authorized again and again (every status read,
 * every poll of a stack), so the answer is computed once per distinct input: a changed policy,
 * tag or context value is a different input. Callers must not change the result.
 */
export function simulate(simulation: Simulation): Promise<SimulationResult> {
  const key = createHash('sha256').update(JSON.stringify(simulation)).digest('base64');
  const known = results.get(key);
  if (known) {
    // Most recently used last: the oldest entry is the one dropped when full.
    results.delete(key);
    results.set(key, known);
    return known;
  }
  const result = runSimulation(simulation, {});
  results.set(key, result);
  if (results.size > LIMIT) results.delete(results.keys().next().value!);
  return result;
}
