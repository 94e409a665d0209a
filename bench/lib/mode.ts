/** How a benchmark run was asked for. */
export interface Mode {
  /** `--quick`: fewer and shorter rounds, to prove every benchmark still runs (CI). */
  quick: boolean;
  /** Profile the redeem servers with the V8 CPU profiler (always on in a full run). */
  profile: boolean;
  /** Where profiles and other scratch files go for this run. */
  scratch: string;
}
