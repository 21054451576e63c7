/* pkey.c */
#include "config.h"

#include "pkey.h"
