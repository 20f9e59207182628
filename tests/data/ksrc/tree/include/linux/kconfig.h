#ifndef __LINUX_KCONFIG_H
#define __LINUX_KCONFIG_H
#include <generated/autoconf.h>
#define IS_ENABLED(option) defined(option)
#endif
