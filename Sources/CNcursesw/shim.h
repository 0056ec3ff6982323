#ifndef TOPSIM_CNCURSESW_SHIM_H
#define TOPSIM_CNCURSESW_SHIM_H
/* The wide-character API is switched on here: the package reads no pkg-config flags (Package.swift). */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

/* Macros and global variables Swift cannot import (or rejects under strict concurrency). */
static inline WINDOW *topsim_stdscr(void) { return stdscr; }
static inline int topsim_lines(void) { return LINES; }
static inline int topsim_cols(void) { return COLS; }
static inline int topsim_colors(void) { return COLORS; }
static inline int topsim_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t topsim_a_bold(void) { return A_BOLD; }
static inline attr_t topsim_a_reverse(void) { return A_REVERSE; }
static inline attr_t topsim_a_dim(void) { return A_DIM; }
static inline attr_t topsim_a_underline(void) { return A_UNDERLINE; }
static inline attr_t topsim_a_normal(void) { return A_NORMAL; }
static inline attr_t topsim_color_pair(int n) { return COLOR_PAIR(n); }
static inline int topsim_key_resize(void) { return KEY_RESIZE; }
static inline int topsim_key_up(void) { return KEY_UP; }
static inline int topsim_key_down(void) { return KEY_DOWN; }
static inline int topsim_key_left(void) { return KEY_LEFT; }
static inline int topsim_key_right(void) { return KEY_RIGHT; }
static inline int topsim_key_btab(void) { return KEY_BTAB; }
static inline int topsim_key_enter(void) { return KEY_ENTER; }
static inline int topsim_err(void) { return ERR; }
static inline int topsim_setlocale_all(void) { return setlocale(LC_ALL, "") != NULL; }

/* From <term.h>, declared here: term.h's capability macros (lines, columns, ...) would leak into Swift. */
extern int setupterm(const char *, int, int *);
extern char *tigetstr(const char *);

/* Whether the terminal named by TERM can run the dashboard, asked before initscr (which
   prints its own message and exits 1 on failure): 1 yes; 0 TERM unknown or generic
   (e.g. dumb); -1 no terminfo database; -2 it cannot move the cursor. */
static inline int topsim_terminal_usable(void) {
    int err = 0;
    if (setupterm(NULL, 1, &err) != OK) return err == -1 ? -1 : 0;
    char *cup = tigetstr("cup");
    if (cup == NULL || cup == (char *)-1) return -2;
    return 1;
}
#endif
