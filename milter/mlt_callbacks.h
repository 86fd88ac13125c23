/*
 * mlt_callbacks.h - the milter's callbacks, registered by main().
 */
#ifndef MLT_CALLBACKS_H
#define MLT_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description handed to smfi_register. */
extern struct smfiDesc mlt_filter;

#endif
