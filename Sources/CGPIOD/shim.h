// libgpiod 1.6 (Debian 12's libgpiod-dev): an output's amplifier power on a GPIO line.
#include <gpiod.h>
