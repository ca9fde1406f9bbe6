import { populationOnDay, type Context } from './context.ts';
import { inExtract, personOnDay, type PersonOnDay } from './lifecycle.ts';

/** Every person in the HR extract on the context's day, in index order. */
export function* peopleInExtract(context: Context): Generator<PersonOnDay> {
  const { day } = context.options;
  const size = populationOnDay(context);
  for (let index = 0; index < size; index++) {
    const person = personOnDay(context, index, day);
    if (person && inExtract(context, person.state, day)) yield person;
  }
}
