/* asym.c */
#include "config.h"

#include "asym.h"
