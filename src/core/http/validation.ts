import { ArgumentMetadata, Injectable, PipeTransform, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { ValidateBy, type ValidationError, type ValidatorOptions } from 'class-validator';

const SOCKETLABS_SHAPED = Symbol('socketlabs-shaped');

/**
 * Marks a body or query DTO that mirrors one of SocketLabs' own requests (a subaccount, an IP pool, a DKIM key, a
 * bounce or tracking domain, an event webhook, a message to inject, a page of a proxied list). SocketLabs' API
 * ignores fields it does not know, and so do these: an unknown property is dropped, never sent on, never refused.
 * Every other DTO of the API refuses unknown properties with a 400 naming them (see ApiValidationPipe).
 * Inherited by subclasses (`extends`), not by mapped types (`PartialType(...)`): mark those too.
 */
export function SocketLabsShaped(): ClassDecorator {
  return (target) => Reflect.defineMetadata(SOCKETLABS_SHAPED, true, target);
}

export function isSocketLabsShaped(metatype: unknown): boolean {
  return typeof metatype === 'function' && Reflect.getMetadata(SOCKETLABS_SHAPED, metatype) === true;
}

const COMMON: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  transformOptions: { enableImplicitConversion: false },
};

/** class-validator's "property x should not exist", said so that the path reads as the caller wrote it. */
class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ ...COMMON, forbidNonWhitelisted: true });
  }

  protected override async validate(object: object, validatorOptions?: ValidatorOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    renameUnknownProperties(errors);
    return errors;
  }
}

function renameUnknownProperties(errors: ValidationError[]): void {
  for (const error of errors) {
    if (error.constraints?.whitelistValidation) {
      error.constraints.whitelistValidation = `${error.property} is not a known property (unknown properties are refused: see the API reference)`;
    }
    if (error.children?.length) renameUnknownProperties(error.children);
  }
}

/**
 * The API's one validation pipe. Both ways strip what a DTO does not declare, so unknown input never reaches a
 * service or SocketLabs; they differ in what the caller hears:
 * - our own API (receiver endpoints, API keys, replay, the read API's queries): an unknown property in a body or
 *   a query is a 400 that names it, because a caller who misspells a field, or sends one this API does not take,
 *   must not believe it did something (a PATCH with `secretKeys` that changed nothing, a filter that filtered nothing);
 * - DTOs marked `@SocketLabsShaped()`: ignored, as SocketLabs itself does, so a body written for SocketLabs' API
 *   (or by one of its SDKs) passes through unchanged.
 * Route parameters are the route's own and need no such check.
 */
@Injectable()
export class ApiValidationPipe implements PipeTransform {
  private readonly strict = new StrictValidationPipe();
  private readonly lenient = new ValidationPipe(COMMON);

  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const pipe = metadata.type === 'param' || isSocketLabsShaped(metadata.metatype) ? this.lenient : this.strict;
    return pipe.transform(value, metadata);
  }
}

/**
 * A property a DTO does not take but a caller may well send (it is in a sibling DTO): refused like any unknown
 * property, with a message that says what to do instead. Pair it with `@ApiHideProperty()`: it is not part of
 * the body's schema.
 */
export function RefusedProperty(instead: string): PropertyDecorator {
  return ValidateBy({
    name: 'refusedProperty',
    validator: {
      validate: (value) => value === undefined,
      defaultMessage: (args) => `${args?.property} is not a known property: ${instead}`,
    },
  });
}
