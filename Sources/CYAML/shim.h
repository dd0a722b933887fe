// libyaml imports into Swift as it is; this header only names it for the module map.
#include <yaml.h>
