#ifndef WEBHOOK_DEDUP_CHIREDIS_SHIM_H
#define WEBHOOK_DEDUP_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
