// Types of scripts/build.mjs for its TypeScript importers (bench/bundles.bench.ts, test/unit/build.test.ts).
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

export declare const ROOT: string;
export declare const BUDGET_BYTES: number;
export declare const KNOWN_OVERAGES: Record<string, { limitBytes: number; reason: string }>;
export declare const LAZY_CREDENTIAL_PROVIDERS: string[];
export declare function inlineSchemaTraitKeys(source: string): string;
export declare const treeShakableSdkSchemas: Plugin;
export declare const sdkPackageVersionOnly: Plugin;
export declare const EVENT_STREAMS_STAND_IN: string;
export declare const eventStreamsLeftOut: Plugin;
export declare function functionNames(): string[];
export declare function buildOptions(name: string, outdir?: string, extra?: BuildOptions): BuildOptions;
export declare function buildFunction(
  name: string,
  options?: { outdir?: string; extra?: BuildOptions },
): Promise<{ name: string; outfile: string; bytes: number; metafile: Metafile }>;
export declare function budgetVerdict(
  name: string,
  bytes: number,
): { ok: boolean; over: boolean; allowance?: { limitBytes: number; reason: string } };
export declare function topContributors(
  metafile: Metafile,
  limit?: number,
): { group: string; bytes: number }[];
export declare function layerBreakdown(metafile: Metafile): { layer: string; bytes: number }[];
export declare function describeLayers(metafile: Metafile, limit?: number): string;
export declare function budgetFailure(name: string, bytes: number, metafile: Metafile): string;
