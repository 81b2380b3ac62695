/**
 * Imported first by the entry points, before the CLI's modules load (which takes up to a second):
 * a SIGHUP in that window would otherwise end the process (Node's default action for it), so a
 * reload sent right after a restart killed the advertiser. Loading has not read the configuration
 * yet, so nothing is lost by ignoring it here; the run loop adds the real reload handler. No imports.
 */
process.on('SIGHUP', () => {});
