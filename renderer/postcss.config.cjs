// Mantine's PostCSS preset (mixins such as `light-dark`, `rem`); Vite picks this up from the renderer root.
module.exports = {
  plugins: {
    'postcss-preset-mantine': {},
  },
};
