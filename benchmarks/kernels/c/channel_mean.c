/* style: pointer, void, c89, flat2d, float, mixed */
/* Per-channel mean of an NCHW tensor (batch x channels x spatial, flat); scale = 1 / (batch * spatial). */

void channel_mean(const float *x, int batch, int channels, int spatial, float *mean)
{
    int b, c, s;
    float scale;

    if (batch <= 0 || spatial <= 0)
        return;
    scale = 1.0f / (batch * spatial);
    for (c = 0; c < channels; ++c) {
        mean[c] = 0.0f;
        for (b = 0; b < batch; ++b) {
            for (s = 0; s < spatial; ++s)
                mean[c] += x[(b * channels + c) * spatial + s];
        }
        mean[c] *= scale;
    }
}
