// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>

// Attribute macros are NCURSES_BITS expressions Swift cannot import; C globals are not
// concurrency-safe in Swift 6. These accessors are the whole shim.
static inline int kvd_a_bold(void) { return (int)A_BOLD; }
static inline int kvd_a_reverse(void) { return (int)A_REVERSE; }
static inline int kvd_a_underline(void) { return (int)A_UNDERLINE; }
static inline int kvd_a_dim(void) { return (int)A_DIM; }
static inline int kvd_a_normal(void) { return (int)A_NORMAL; }
static inline WINDOW *kvd_stdscr(void) { return stdscr; }
static inline int kvd_lines(void) { return LINES; }
static inline int kvd_cols(void) { return COLS; }
static inline int kvd_colors(void) { return COLORS; }
static inline int kvd_color_pairs(void) { return COLOR_PAIRS; }
