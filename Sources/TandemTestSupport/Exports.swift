/// What every test target shares (`Tests/*`), and `tandem-dev`'s harnesses with them: temporary
/// folders and loopback HTTP (from TandemCommandSupport, re-exported), child processes, the
/// built executables, a relay launcher, bounded waits and replayable seeds.
@_exported public import TandemCommandSupport
