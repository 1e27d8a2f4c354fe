// Package runtime holds what every program of protomesh needs at start:
// typed readers over the environment with the exact config-error messages of
// libs/runtime, the duration format, gRPC status names and the JSON logger.
package runtime

// ExitConfig is the exit code for a configuration the program cannot start with.
const ExitConfig = 2

// ConfigError is a setting that cannot be used. Its message is one line naming
// the setting, the expected form and what was given, fit to print before
// exiting with ExitConfig.
type ConfigError struct {
	Setting  string
	Expected string
	Received string
}

func (e *ConfigError) Error() string {
	return e.Setting + ": expected " + e.Expected + ", got " + JSONString(e.Received)
}
