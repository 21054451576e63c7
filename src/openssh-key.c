/* openssh-key.c */
#include "config.h"

#include "openssh-key.h"
