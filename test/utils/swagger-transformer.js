// Runs the @nestjs/swagger CLI plugin inside ts-jest, as `nest build` does, so tests see the same OpenAPI metadata.
const transformer = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  transformer.before(
    { introspectComments: true, classValidatorShim: true, dtoFileNameSuffix: ['.dto.ts'] },
    compiler.program,
  );
