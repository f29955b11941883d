// libopusenc (Ogg Opus encoding and muxing), libopusfile (decoding) and libogg (page framing).
#include <opus/opusenc.h>
#include <opus/opusfile.h>
#include <ogg/ogg.h>

// The encoder's ctl is variadic, which Swift cannot call: one request with one integer.
static inline int laba_ope_set(OggOpusEnc *enc, int request, opus_int32 value) {
    return ope_encoder_ctl(enc, request, value);
}
