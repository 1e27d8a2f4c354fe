package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// Level is a log level, numbered as pino numbers them.
type Level int

// The levels of LOG_LEVEL; Silent writes nothing.
const (
	LevelTrace  Level = 10
	LevelDebug  Level = 20
	LevelInfo   Level = 30
	LevelWarn   Level = 40
	LevelError  Level = 50
	LevelFatal  Level = 60
	LevelSilent Level = math.MaxInt32
)

// LogLevels are the values LOG_LEVEL accepts, in the order of libs/runtime.
var LogLevels = []string{"fatal", "error", "warn", "info", "debug", "trace", "silent"}

var levelsByName = map[string]Level{
	"fatal": LevelFatal, "error": LevelError, "warn": LevelWarn, "info": LevelInfo,
	"debug": LevelDebug, "trace": LevelTrace, "silent": LevelSilent,
}

var levelNames = map[Level]string{
	LevelFatal: "fatal", LevelError: "error", LevelWarn: "warn", LevelInfo: "info",
	LevelDebug: "debug", LevelTrace: "trace",
}

// ParseLevel reads a LOG_LEVEL name.
func ParseLevel(name string) (Level, bool) {
	level, ok := levelsByName[name]
	return level, ok
}

// Field is one key of a log line.
type Field struct {
	Key   string
	Value any
}

// F makes a Field.
func F(key string, value any) Field {
	return Field{Key: key, Value: value}
}

// Logger writes one JSON object per line, as the TypeScript programs' pino
// logger does: {"level":"info","time":"<ISO, UTC, ms>","service":"…",<fields>,"msg":"…"}.
// The level is a name rather than a number. Writes are synchronous and
// serialized, so the last line before an exit is never lost.
type Logger struct {
	mu      *sync.Mutex
	out     io.Writer
	level   Level
	service string
	base    []Field
	now     func() time.Time
}

// NewLogger writes lines at `level` and above to out.
func NewLogger(out io.Writer, service string, level Level) *Logger {
	return &Logger{mu: &sync.Mutex{}, out: out, level: level, service: service, now: time.Now}
}

// With returns a logger whose lines start with these fields.
func (l *Logger) With(fields ...Field) *Logger {
	child := *l
	child.base = append(append([]Field(nil), l.base...), fields...)
	return &child
}

// Enabled reports whether lines at level are written.
func (l *Logger) Enabled(level Level) bool {
	return l != nil && level >= l.level && l.level != LevelSilent
}

func (l *Logger) Trace(msg string, fields ...Field) { l.Log(LevelTrace, msg, fields...) }
func (l *Logger) Debug(msg string, fields ...Field) { l.Log(LevelDebug, msg, fields...) }
func (l *Logger) Info(msg string, fields ...Field)  { l.Log(LevelInfo, msg, fields...) }
func (l *Logger) Warn(msg string, fields ...Field)  { l.Log(LevelWarn, msg, fields...) }
func (l *Logger) Error(msg string, fields ...Field) { l.Log(LevelError, msg, fields...) }

// Log writes one line at level.
func (l *Logger) Log(level Level, msg string, fields ...Field) {
	if !l.Enabled(level) {
		return
	}
	var line bytes.Buffer
	line.WriteString(`{"level":`)
	writeJSON(&line, levelNames[level])
	line.WriteString(`,"time":`)
	writeJSON(&line, l.now().UTC().Format("2006-01-02T15:04:05.000Z"))
	line.WriteString(`,"service":`)
	writeJSON(&line, l.service)
	for _, group := range [][]Field{l.base, fields} {
		for _, field := range group {
			line.WriteByte(',')
			writeJSON(&line, field.Key)
			line.WriteByte(':')
			writeJSON(&line, logValue(field.Value))
		}
	}
	line.WriteString(`,"msg":`)
	writeJSON(&line, msg)
	line.WriteString("}\n")
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(line.Bytes())
}

// ErrorValue is how an error appears in a line, like pino's err serializer.
type ErrorValue struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func logValue(value any) any {
	if err, ok := value.(error); ok {
		return ErrorValue{Type: fmt.Sprintf("%T", err), Message: err.Error()}
	}
	return value
}

func writeJSON(buf *bytes.Buffer, value any) {
	encoder := json.NewEncoder(buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		buf.WriteString(JSONString(fmt.Sprint(value)))
		return
	}
	// Encode ends with a newline; the line has exactly one, at its end.
	buf.Truncate(buf.Len() - 1)
}
